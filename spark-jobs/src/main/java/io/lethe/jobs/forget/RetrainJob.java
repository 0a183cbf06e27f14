package io.lethe.jobs.forget;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.store.DataManifest;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreLock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lethe retrain}: retrains every shard the served generation serves with deactivated slices (deferred
 * retraining), each cut order continuing from its last kept stage, and publishes the generation serving full
 * lineages again. Idempotent by key {@code retrain/<n>}, n the generation it retrains: re-run after a crash, it
 * publishes nothing twice.
 */
public final class RetrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(RetrainJob.class);

  private final SparkSession spark;
  private final LetheStore store;
  private final LetheSettings settings;

  public RetrainJob(SparkSession spark, LetheStore store, LetheSettings settings) {
    this.spark = spark;
    this.store = store;
    this.settings = settings;
  }

  /**
   * What a retrain run did.
   *
   * @param generation the generation served afterwards
   * @param shards the shards retrained; empty when nothing was deactivated
   * @param seconds shard to the task seconds of its retraining
   */
  public record Outcome(GenerationManifest generation, Set<Integer> shards, Map<Integer, Double> seconds) {}

  /**
   * Takes the store lock, processes interrupted and pending forget batches first (so nothing is retrained on a
   * record whose deletion was acknowledged), then retrains.
   */
  public Outcome run(String command) {
    try (StoreLock lock = StoreLock.acquire(store, command)) {
      new ForgetJob(spark, store, settings).processPendingLocked();
      return runLocked();
    }
  }

  /** As {@link #run}, for a caller that holds the store lock. */
  public Outcome runLocked() {
    GenerationManifest served = store.readServedGeneration();
    Set<Integer> shards = RetrainPolicy.deactivatedShards(served);
    if (shards.isEmpty()) {
      LOG.info("Generation {} serves every shard's full lineage; nothing to retrain.", served.number());
      return new Outcome(served, shards, Map.of());
    }
    String key = "retrain/" + served.number();
    Optional<GenerationManifest> done = store.generationWithKey(key);
    if (done.isPresent()) {
      return new Outcome(done.get(), shards, Map.of());
    }
    DataManifest data = store.readLatestDataManifest();
    Retraining.Outcome outcome = new Retraining(spark, store, settings).run(served, data, shards);
    CheckpointRepository checkpoints = new CheckpointRepository(store);
    GenerationManifest published = Retraining.publish(store, served, data, outcome.appended(),
        "retrain deactivated shards " + shards, key, sha -> checkpoints.loadProvenance(sha).recordCount());
    LOG.info("Retrained shards {} of generation {}; generation {} serves their full lineages", shards,
        served.number(), published.number());
    return new Outcome(published, shards, outcome.seconds());
  }
}
