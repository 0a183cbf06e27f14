package io.lethe.jobs.forget;


import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.store.DataManifest;
import io.lethe.store.FailPoints;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.ShardLineage;
import io.lethe.store.StoreLock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes deletion requests as batches through the {@link ForgetState} steps. Each step's effects are
 * idempotent and its completion is committed to the batch journal, so a batch interrupted anywhere is finished by
 * running again ({@code lethe forget} or {@code lethe resume}); at every moment the served generation is a complete
 * one. The caller's store lock makes this the only writer.
 */
public final class ForgetJob {
  private static final Logger LOG = LoggerFactory.getLogger(ForgetJob.class);
  private static final DateTimeFormatter BATCH_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

  static final String SPLIT = "split";
  static final String TRAIN = "train";
  static final String TEST = "test";

  private final Supplier<SparkSession> spark;
  private final LetheStore store;
  private final LetheSettings settings;
  private final Ledger ledger;
  private final CheckpointRepository checkpoints;

  public ForgetJob(SparkSession spark, LetheStore store, LetheSettings settings) {
    this(() -> spark, store, settings);
  }

  /**
   * A job that takes its session only when a step needs Spark: a small batch is routed, served clean, rewritten
   * and purged without it (while the session is still starting), and waits for it to retrain.
   */
  public ForgetJob(Supplier<SparkSession> spark, LetheStore store, LetheSettings settings) {
    this.spark = spark;
    this.store = store;
    this.settings = settings;
    this.ledger = new Ledger(spark, store);
    this.checkpoints = new CheckpointRepository(store);
  }

  /**
   * Finishes any interrupted batch, then processes every pending request as one new batch. Takes the store lock.
   *
   * @return the journals of the batches processed, oldest first
   */
  public List<ForgetJournal> processPending(String command) {
    try (StoreLock lock = StoreLock.acquire(store, command)) {
      return processPendingLocked();
    }
  }

  /** As {@link #processPending(String)}, for a caller that already holds the store lock. */
  public List<ForgetJournal> processPendingLocked() {
    List<ForgetJournal> processed = new ArrayList<>();
    for (String batchId : ForgetJournal.batchIds(store)) {
      ForgetJournal journal = new ForgetJournal(store, batchId);
      Optional<JournalEntry> last = journal.last();
      if (last.isEmpty()) {
        // A batch directory without an ACKNOWLEDGED step took no submissions; they are still pending.
        continue;
      }
      if (last.get().state() != ForgetState.COMPLETED) {
        LOG.info("Resuming forget batch {} after step {}", batchId, last.get().state());
        process(journal);
        processed.add(journal);
      }
    }
    List<Ledger.Submission> pending = ledger.pending();
    if (!pending.isEmpty()) {
      String batchId = "b-" + BATCH_TIME.format(store.clock().instant()) + "-"
          + UUID.randomUUID().toString().substring(0, 6);
      ForgetJournal journal = new ForgetJournal(store, batchId);
      FailPoints.check("forget.ACKNOWLEDGED");
      journal.append(new StepResult.Acknowledged(pending.stream().map(Ledger.Submission::id).toList(),
          pending.stream().mapToLong(Ledger.Submission::requests).sum(), pending.get(0).acknowledgedAt()));
      process(journal);
      processed.add(journal);
    }
    return processed;
  }

  /** The requests of a batch: those of the submissions its ACKNOWLEDGED step took. */
  Dataset<Row> members(ForgetJournal journal) {
    return ledger.requests(ForgetJournal.submissions(journal));
  }

  private void process(ForgetJournal journal) {
    ForgetState done = journal.last().orElseThrow().state();
    for (ForgetState next : ForgetState.values()) {
      if (next.ordinal() <= done.ordinal()) {
        continue;
      }
      StepResult result = switch (next) {
        case ROUTED -> route(journal);
        case SERVING_CLEAN -> serveClean(journal);
        case DATA_REWRITTEN -> new DataRewrite(spark, store, ledger, settings).run(journal);
        case PURGED -> new Purge(store, settings.forget().maxDriverRecordIds()).run(journal, ledger);
        case RETRAINED -> retrain(journal);
        case PUBLISHED -> publish(journal);
        case COMPLETED -> new ForgetReport.Writer(spark.get(), store, settings).complete(journal);
        case ACKNOWLEDGED -> throw new IllegalStateException("unreachable");
      };
      FailPoints.check("forget." + next.name());
      journal.append(result);
      LOG.info("Forget batch {}: {}", journal.batchId(), next);
    }
  }

  private StepResult.Routed route(ForgetJournal journal) {
    DataManifest data = store.readLatestDataManifest();
    GenerationManifest generation = store.readServedGeneration();
    Routing.Summary routed = new Routing(spark, store, ledger, settings.forget().indexLookupMaxIds())
        .route(journal, data);
    return new StepResult.Routed(data.version(), generation.number(), routed.deletedRows(), null,
        routed.trainRows(), routed.testRows(), routed.notFound(),
        fullTrainingSeconds(generation, routed.deletedRows().keySet()), routed.method().configName());
  }

  /** Affected slices per shard, as ROUTED recorded them. */
  static Map<Integer, Set<Integer>> affectedShards(ForgetJournal journal) {
    return journal.result(StepResult.Routed.class).affectedSlices();
  }

  private static String cleanKey(String batchId) {
    return "forget/" + batchId + "/clean";
  }

  private static String retrainedKey(String batchId) {
    return "forget/" + batchId + "/retrained";
  }

  private StepResult.ServingClean serveClean(ForgetJournal journal) {
    Map<Integer, Set<Integer>> affected = affectedShards(journal);
    GenerationManifest before = store.readGeneration(journal.result(StepResult.Routed.class).generation());
    GenerationManifest clean = store.generationWithKey(cleanKey(journal.batchId())).orElse(null);
    if (clean == null && affected.isEmpty()) {
      clean = before;
    } else if (clean == null) {
      GenerationManifest.Builder next = GenerationManifest.buildFrom(before)
          .number(store.latestGeneration().getAsLong() + 1)
          .createdAt(store.clock().instant().toString())
          .reason("forget " + journal.batchId() + ": clean prefix")
          .key(cleanKey(journal.batchId()));
      for (ShardLineage lineage : before.shards()) {
        Set<Integer> slices = affected.get(lineage.shard());
        if (slices != null) {
          next.shard(lineage.deactivate(slices, this::trainRows));
        }
      }
      clean = next.build();
      store.commitGeneration(clean);
    }
    Instant acknowledged = Instant.parse(journal.result(StepResult.Acknowledged.class).earliestAcknowledgedAt());
    double latency = Duration.between(acknowledged, Instant.parse(clean.createdAt())).toMillis() / 1000.0;
    LOG.info("Forget batch {}: generation {} serves clean prefixes for shards {} ({} s after acknowledgement)",
        journal.batchId(), clean.number(), affected.keySet(), latency);
    return new StepResult.ServingClean(clean.number(), before.number(), affected.isEmpty() ? 0.0 : latency,
        clean.shards().stream().filter(s -> !s.isServed()).map(ShardLineage::shard).toList());
  }

  private long trainRows(String checkpoint) {
    return checkpoints.loadProvenance(checkpoint).recordCount();
  }

  private StepResult.Retrained retrain(ForgetJournal journal) {
    Map<Integer, Set<Integer>> affected = affectedShards(journal);
    double estimate = journal.result(StepResult.Routed.class).fullRetrainEstimateSeconds();
    GenerationManifest clean = store.readGeneration(journal.result(StepResult.ServingClean.class).generation());
    DataManifest data = store.readDataManifest(journal.result(StepResult.DataRewritten.class).dataVersion());
    Set<Integer> shards = settings.forget().retrain() == LetheSettings.RetrainMode.IMMEDIATE
        ? affected.keySet()
        : RetrainPolicy.shardsToRetrain(clean, data, settings.forget());
    if (shards.isEmpty()) {
      boolean deferred = clean.shards().stream().anyMatch(s -> !s.servesFullLineage(clean.numSlices()));
      return new StepResult.Retrained(Map.of(), affected.isEmpty() ? 0.0 : estimate, Map.of(), null, deferred);
    }
    Retraining.Outcome outcome = new Retraining(spark.get(), store, settings).run(clean, data, shards);
    return new StepResult.Retrained(outcome.seconds(), estimate, outcome.appended(), null, false);
  }

  /**
   * What training the affected shards from scratch cost when they were last trained: the sum of their stages'
   * training seconds as their provenance records it (every sequence). Read at routing time, before the purge
   * removes those checkpoints.
   */
  private double fullTrainingSeconds(GenerationManifest before, Iterable<Integer> shards) {
    double total = 0;
    for (int shard : shards) {
      Optional<ShardLineage> lineage = before.shard(shard);
      if (lineage.isPresent()) {
        for (String sha : lineage.get().checkpoints()) {
          total += checkpoints.loadProvenance(sha).trainSeconds();
        }
      }
    }
    return total;
  }

  private StepResult.Published publish(ForgetJournal journal) {
    GenerationManifest clean = store.readGeneration(journal.result(StepResult.ServingClean.class).generation());
    StepResult.Retrained retrained = journal.result(StepResult.Retrained.class);
    DataManifest data = store.readDataManifest(journal.result(StepResult.DataRewritten.class).dataVersion());
    if (retrained.sequences().isEmpty()
        && (affectedShards(journal).isEmpty() || clean.dataVersion() == data.version())) {
      return new StepResult.Published(clean.number());
    }
    GenerationManifest published = store.generationWithKey(retrainedKey(journal.batchId())).orElse(null);
    if (published == null) {
      // Deferred without retraining, this moves the deactivated lineages onto the new data version: their
      // checkpoints trained on untouched slices only, which the new version holds unchanged.
      String reason = retrained.sequences().isEmpty() ? ": deactivated, retrain pending" : ": retrained";
      published = Retraining.publish(store, clean, data, retrained.sequences(), "forget " + journal.batchId()
          + reason, retrainedKey(journal.batchId()), this::trainRows);
    }
    return new StepResult.Published(published.number());
  }
}
