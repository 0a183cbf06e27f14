package io.lethe.jobs.forget;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.train.ShardTrainResult;
import io.lethe.jobs.train.TrainJob;
import io.lethe.models.ModelSpec;
import io.lethe.models.Provenance;
import io.lethe.prep.ExampleSchema;
import io.lethe.prep.ExamplesReader;
import io.lethe.store.DataManifest;
import io.lethe.store.FailPoints;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import io.lethe.store.StoreLock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
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

  private final SparkSession spark;
  private final LetheStore store;
  private final LetheSettings settings;
  private final Ledger ledger;
  private final CheckpointRepository checkpoints;

  public ForgetJob(SparkSession spark, LetheStore store, LetheSettings settings) {
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
      journal.append(ForgetState.ACKNOWLEDGED, Map.of(
          ForgetJournal.SUBMISSIONS, pending.stream().map(Ledger.Submission::id).toList(),
          ForgetHistory.REQUESTS, pending.stream().mapToLong(Ledger.Submission::requests).sum(),
          "earliestAcknowledgedAt", pending.get(0).acknowledgedAt()));
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
      Map<String, Object> details = switch (next) {
        case ROUTED -> route(journal);
        case SERVING_CLEAN -> serveClean(journal);
        case DATA_REWRITTEN -> new DataRewrite(spark, store, ledger, settings).run(journal);
        case PURGED -> new Purge(store).run(journal, ledger.routed(journal.batchId()));
        case RETRAINED -> retrain(journal);
        case PUBLISHED -> publish(journal);
        case COMPLETED -> new ForgetReport.Writer(spark, store, settings).complete(journal);
        case ACKNOWLEDGED -> throw new IllegalStateException("unreachable");
      };
      FailPoints.check("forget." + next.name());
      journal.append(next, details);
      LOG.info("Forget batch {}: {}", journal.batchId(), next);
    }
  }

  private Map<String, Object> route(ForgetJournal journal) {
    DataManifest data = store.readLatestDataManifest();
    GenerationManifest generation = store.readServedGeneration();
    Dataset<Row> members = members(journal).select(RequestReader.REQUEST_ID, RequestReader.ID_KIND,
        RequestReader.ID).cache();
    Dataset<Row> rows = ExamplesReader.examples(spark, store, data)
        .select(col(ExampleSchema.RECORD_ID), col(ExampleSchema.SUBJECT_ID), col(ExampleSchema.SHARD),
            col(ExampleSchema.SLICE), lit(TRAIN).as(SPLIT));
    if (data.test() != null) {
      rows = rows.unionByName(ExamplesReader.testSplit(spark, store, data)
          .select(col(ExampleSchema.RECORD_ID), col(ExampleSchema.SUBJECT_ID), lit(-1).as(ExampleSchema.SHARD),
              lit(-1).as(ExampleSchema.SLICE), lit(TEST).as(SPLIT)));
    }
    Dataset<Row> byRecord = members.filter(col(RequestReader.ID_KIND).equalTo(RequestReader.RECORD))
        .join(rows, members.col(RequestReader.ID).equalTo(rows.col(ExampleSchema.RECORD_ID)));
    Dataset<Row> bySubject = members.filter(col(RequestReader.ID_KIND).equalTo(RequestReader.SUBJECT))
        .join(rows, members.col(RequestReader.ID).equalTo(rows.col(ExampleSchema.SUBJECT_ID)));
    Dataset<Row> matched = byRecord.unionByName(bySubject).select(col(RequestReader.REQUEST_ID),
        col(RequestReader.ID_KIND), col(RequestReader.ID), col(ExampleSchema.RECORD_ID),
        col(ExampleSchema.SUBJECT_ID), col(SPLIT), col(ExampleSchema.SHARD), col(ExampleSchema.SLICE)).cache();
    Dataset<Row> found = matched.select(col(RequestReader.REQUEST_ID).as("found_request_id")).distinct();
    Dataset<Row> unmatched = members.join(found, col(RequestReader.REQUEST_ID).equalTo(col("found_request_id")),
            "left_anti")
        .select(col(RequestReader.REQUEST_ID), col(RequestReader.ID_KIND), col(RequestReader.ID),
            lit(null).cast(DataTypes.StringType).as(ExampleSchema.RECORD_ID),
            lit(null).cast(DataTypes.StringType).as(ExampleSchema.SUBJECT_ID),
            lit(null).cast(DataTypes.StringType).as(SPLIT),
            lit(null).cast(DataTypes.IntegerType).as(ExampleSchema.SHARD),
            lit(null).cast(DataTypes.IntegerType).as(ExampleSchema.SLICE));
    if (!store.exists(ledger.routedPath(journal.batchId()))) {
      ledger.commitRouted(journal.batchId(), matched.unionByName(unmatched));
    }
    matched.unpersist();
    members.unpersist();
    // One pass over the routing: per split and shard, the rows and the earliest slice.
    Map<String, Object> affected = new TreeMap<>();
    long trainRows = 0;
    long testRows = 0;
    long notFound = 0;
    for (Row r : ledger.routed(journal.batchId()).groupBy(col(SPLIT), col(ExampleSchema.SHARD))
        .agg(min(ExampleSchema.SLICE), count(lit(1)), countDistinct(col(RequestReader.REQUEST_ID)))
        .collectAsList()) {
      String split = r.isNullAt(0) ? null : r.getString(0);
      if (TRAIN.equals(split)) {
        affected.put(Integer.toString(r.getInt(1)), r.getInt(2));
        trainRows += r.getLong(3);
      } else if (TEST.equals(split)) {
        testRows += r.getLong(3);
      } else {
        notFound += r.getLong(4);
      }
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("dataVersion", data.version());
    details.put("generation", generation.number());
    details.put("affectedShards", affected);
    details.put("trainRows", trainRows);
    details.put("testRows", testRows);
    details.put("notFound", notFound);
    Map<Integer, Integer> shards = new TreeMap<>();
    affected.forEach((k, v) -> shards.put(Integer.valueOf(k), (Integer) v));
    details.put(ForgetHistory.FULL_RETRAIN_ESTIMATE_SECONDS, fullTrainingSeconds(generation, shards.keySet()));
    return details;
  }

  /** Earliest affected slice per shard, as ROUTED recorded it. */
  static Map<Integer, Integer> affectedShards(ForgetJournal journal) {
    Map<Integer, Integer> affected = new TreeMap<>();
    Object raw = journal.entry(ForgetState.ROUTED).details().get("affectedShards");
    if (raw instanceof Map<?, ?> map) {
      map.forEach((k, v) -> affected.put(Integer.valueOf(k.toString()), ((Number) v).intValue()));
    }
    return affected;
  }

  private static String cleanReason(String batchId) {
    return "forget " + batchId + ": clean prefix";
  }

  private static String retrainedReason(String batchId) {
    return "forget " + batchId + ": retrained";
  }

  private Optional<GenerationManifest> generationWithReason(String reason) {
    List<Long> numbers = store.generations();
    for (int i = numbers.size() - 1; i >= 0; i--) {
      GenerationManifest g = store.readGeneration(numbers.get(i));
      if (g.reason().equals(reason)) {
        return Optional.of(g);
      }
    }
    return Optional.empty();
  }

  private Map<String, Object> serveClean(ForgetJournal journal) {
    Map<Integer, Integer> affected = affectedShards(journal);
    GenerationManifest before = store.readGeneration(
        ((Number) journal.entry(ForgetState.ROUTED).details().get("generation")).longValue());
    GenerationManifest clean = generationWithReason(cleanReason(journal.batchId())).orElse(null);
    if (clean == null && affected.isEmpty()) {
      clean = before;
    } else if (clean == null) {
      List<GenerationManifest.ShardEntry> shards = new ArrayList<>();
      for (GenerationManifest.ShardEntry entry : before.shards()) {
        Integer earliest = affected.get(entry.shard());
        if (earliest == null) {
          shards.add(entry);
          continue;
        }
        int keep = Math.min(entry.servedSlice(), earliest - 1);
        List<String> chain = keep < 0 ? List.of() : entry.chain().subList(0, keep + 1);
        long rows = keep < 0 ? 0 : checkpoints.loadProvenance(chain.get(keep)).recordCount();
        shards.add(new GenerationManifest.ShardEntry(entry.shard(), chain, keep, rows));
      }
      long number = store.latestGeneration().getAsLong() + 1;
      clean = new GenerationManifest(LetheStore.FORMAT_VERSION, number, before.number(),
          store.clock().instant().toString(), cleanReason(journal.batchId()), before.dataVersion(),
          before.configHash(), before.modelSpecJson(), before.numSlices(), before.nativeThreads(), shards);
      store.commitGeneration(clean);
    }
    Instant acknowledged = Instant.parse(
        (String) journal.entry(ForgetState.ACKNOWLEDGED).details().get("earliestAcknowledgedAt"));
    double latency = Duration.between(acknowledged, Instant.parse(clean.createdAt())).toMillis() / 1000.0;
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("generation", clean.number());
    details.put("generationBefore", before.number());
    details.put("latencyFromAcknowledgementSeconds", affected.isEmpty() ? 0.0 : latency);
    details.put("shardsLeftOut", clean.shards().stream().filter(s -> !s.isServed()).map(s -> s.shard()).toList());
    LOG.info("Forget batch {}: generation {} serves clean checkpoints for shards {} ({} s after acknowledgement)",
        journal.batchId(), clean.number(), affected.keySet(), latency);
    return details;
  }

  private Map<String, Object> retrain(ForgetJournal journal) {
    Map<Integer, Integer> affected = affectedShards(journal);
    Map<String, Object> details = new LinkedHashMap<>();
    if (affected.isEmpty()) {
      details.put(ForgetHistory.RETRAIN_SECONDS, Map.of());
      details.put(ForgetHistory.FULL_RETRAIN_ESTIMATE_SECONDS, 0.0);
      return details;
    }
    GenerationManifest clean = store.readGeneration(
        ((Number) journal.entry(ForgetState.SERVING_CLEAN).details().get("generation")).longValue());
    DataManifest data = store.readDataManifest(
        ((Number) journal.entry(ForgetState.DATA_REWRITTEN).details().get("dataVersion")).intValue());
    if (clean.nativeThreads() != settings.training().nativeThreads()) {
      throw new StoreException("The served models were trained with " + clean.nativeThreads() + " native"
          + " thread(s) but lethe.training.native-threads is " + settings.training().nativeThreads() + "; the"
          + " retrained shards would not match them bit for bit. Set it to " + clean.nativeThreads() + ".");
    }
    ModelSpec spec = ModelSpec.fromJson(clean.modelSpecJson());
    List<TrainJob.ShardPlan> plans = new ArrayList<>();
    for (int shard : affected.keySet()) {
      GenerationManifest.ShardEntry entry = clean.shard(shard).orElseThrow();
      plans.add(entry.isServed()
          ? TrainJob.ShardPlan.resume(shard, entry.servedCheckpoint(), entry.chain())
          : TrainJob.ShardPlan.fromScratch(shard));
    }
    Map<Integer, ShardTrainResult> results = TrainJob.trainShards(spark, store, settings, data, spec, plans);
    Map<String, Object> seconds = new TreeMap<>();
    Map<String, Object> chains = new TreeMap<>();
    results.forEach((shard, r) -> {
      seconds.put(Integer.toString(shard), r.seconds());
      chains.put(Integer.toString(shard), r.provenance().stream().map(Provenance::zipSha256).toList());
    });
    details.put(ForgetHistory.RETRAIN_SECONDS, seconds);
    details.put(ForgetHistory.FULL_RETRAIN_ESTIMATE_SECONDS,
        journal.entry(ForgetState.ROUTED).details().get(ForgetHistory.FULL_RETRAIN_ESTIMATE_SECONDS));
    details.put("retrainedCheckpoints", chains);
    return details;
  }

  /**
   * What training the affected shards from scratch cost when they were last trained: the sum of their slices'
   * training seconds as their provenance records it. Read at routing time, before the purge removes those
   * checkpoints.
   */
  private double fullTrainingSeconds(GenerationManifest before, Iterable<Integer> shards) {
    double total = 0;
    for (int shard : shards) {
      Optional<GenerationManifest.ShardEntry> entry = before.shard(shard);
      if (entry.isPresent()) {
        for (String sha : entry.get().chain()) {
          total += checkpoints.loadProvenance(sha).trainSeconds();
        }
      }
    }
    return total;
  }

  private Map<String, Object> publish(ForgetJournal journal) {
    Map<Integer, Integer> affected = affectedShards(journal);
    GenerationManifest clean = store.readGeneration(
        ((Number) journal.entry(ForgetState.SERVING_CLEAN).details().get("generation")).longValue());
    Map<String, Object> details = new LinkedHashMap<>();
    if (affected.isEmpty()) {
      details.put("generation", clean.number());
      return details;
    }
    GenerationManifest published = generationWithReason(retrainedReason(journal.batchId())).orElse(null);
    if (published == null) {
      DataManifest data = store.readDataManifest(
          ((Number) journal.entry(ForgetState.DATA_REWRITTEN).details().get("dataVersion")).intValue());
      Map<?, ?> chains = (Map<?, ?>) journal.entry(ForgetState.RETRAINED).details().get("retrainedCheckpoints");
      List<GenerationManifest.ShardEntry> shards = new ArrayList<>();
      for (GenerationManifest.ShardEntry entry : clean.shards()) {
        Object retrained = chains.get(Integer.toString(entry.shard()));
        if (retrained == null) {
          shards.add(entry);
          continue;
        }
        List<String> chain = new ArrayList<>(entry.chain());
        ((List<?>) retrained).forEach(sha -> chain.add((String) sha));
        long rows = checkpoints.loadProvenance(chain.get(chain.size() - 1)).recordCount();
        shards.add(new GenerationManifest.ShardEntry(entry.shard(), chain, chain.size() - 1, rows));
      }
      published = new GenerationManifest(LetheStore.FORMAT_VERSION, store.latestGeneration().getAsLong() + 1,
          clean.number(), store.clock().instant().toString(), retrainedReason(journal.batchId()), data.version(),
          clean.configHash(), clean.modelSpecJson(), clean.numSlices(), clean.nativeThreads(), shards);
      store.commitGeneration(published);
    }
    details.put("generation", published.number());
    return details;
  }
}
