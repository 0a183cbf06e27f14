package io.lethe.jobs.forget;

import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.when;

import io.lethe.prep.ExampleSchema;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Every acknowledged request with its status and the times of each step of its batch, as {@code lethe requests}
 * lists them and {@code lethe audit --export} writes them. Built from the ledger and the batch journals only.
 */
public final class RequestStatus {
  /** Step columns, one per state after ACKNOWLEDGED. */
  private static final List<ForgetState> STEPS = List.of(ForgetState.ROUTED, ForgetState.SERVING_CLEAN,
      ForgetState.DATA_REWRITTEN, ForgetState.PURGED, ForgetState.RETRAINED, ForgetState.PUBLISHED,
      ForgetState.COMPLETED);

  private RequestStatus() {}

  static String timeColumn(ForgetState state) {
    return state.name().toLowerCase(java.util.Locale.ROOT) + "_at";
  }

  /**
   * One row per request: request_id, id_kind, id, reason, received_at, batch_id, status, the step times,
   * shards_slices (shard:slice of its rows; test rows as test), generation_before, generation_after,
   * removed_checkpoints and removed_data_files (sha256 lists of what its batch deleted).
   */
  public static Dataset<Row> all(SparkSession spark, LetheStore store) {
    Ledger ledger = new Ledger(spark, store);
    Dataset<Row> requests = ledger.requests();
    StructType batchSchema = new StructType()
        .add("batch_id", DataTypes.StringType, false)
        .add("batch_state", DataTypes.StringType, false)
        .add("found_status", DataTypes.StringType, false)
        .add("routed", DataTypes.BooleanType, false)
        .add("generation_before", DataTypes.LongType, true)
        .add("generation_after", DataTypes.LongType, true)
        .add("removed_checkpoints", DataTypes.StringType, true)
        .add("removed_data_files", DataTypes.StringType, true);
    for (ForgetState step : STEPS) {
      batchSchema = batchSchema.add(timeColumn(step), DataTypes.StringType, true);
    }
    List<Row> batches = new ArrayList<>();
    GenerationManifest served = store.latestGeneration().isPresent() ? store.readServedGeneration() : null;
    Dataset<Row> members = null;
    Dataset<Row> routed = null;
    for (String batchId : ForgetJournal.batchIds(store)) {
      List<JournalEntry> entries = new ForgetJournal(store, batchId).entries();
      if (entries.isEmpty()) {
        continue;
      }
      ForgetState state = entries.get(entries.size() - 1).state();
      List<Object> values = new ArrayList<>(List.of(batchId, state.name(), state.requestStatus(),
          state.compareTo(ForgetState.ROUTED) >= 0));
      ForgetJournal journal = new ForgetJournal(store, batchId);
      values.set(2, status(state, journal, served));
      values.add(journal.find(StepResult.Routed.class).map(StepResult.Routed::generation).orElse(null));
      values.add(journal.find(StepResult.Published.class).map(StepResult.Published::generation).orElse(null));
      values.add(journal.find(StepResult.Purged.class).map(p -> p.purgedCheckpoints().stream()
          .map(StepResult.PurgedCheckpoint::sha256).collect(Collectors.joining(";"))).orElse(null));
      values.add(journal.find(StepResult.DataRewritten.class).map(r -> r.removedFiles().stream()
          .map(StepResult.RemovedFile::sha256).collect(Collectors.joining(";"))).orElse(null));
      for (ForgetState step : STEPS) {
        values.add(entries.stream().filter(e -> e.state() == step).map(JournalEntry::at).findFirst().orElse(null));
      }
      batches.add(RowFactory.create(values.toArray()));
      Dataset<Row> m = ledger.requests(ForgetJournal.submissions(new ForgetJournal(store, batchId)))
          .select(col(RequestReader.REQUEST_ID), lit(batchId).as("batch_id"));
      members = members == null ? m : members.unionByName(m);
      if (store.exists(ledger.routedPath(batchId))) {
        Dataset<Row> r = ledger.routed(batchId);
        routed = routed == null ? r : routed.unionByName(r);
      }
    }
    Dataset<Row> result = requests;
    if (members == null) {
      result = result.withColumn("batch_id", lit(null).cast(DataTypes.StringType));
    } else {
      result = result.join(members, RequestReader.REQUEST_ID, "left");
    }
    result = result.join(spark.createDataFrame(batches, batchSchema), "batch_id", "left");
    if (routed == null) {
      result = result.withColumn("found", lit(null).cast(DataTypes.BooleanType))
          .withColumn("shards_slices", lit(null).cast(DataTypes.StringType));
    } else {
      Dataset<Row> perRequest = routed.groupBy(RequestReader.REQUEST_ID).agg(
          max(col(ForgetJob.SPLIT).isNotNull()).as("found"),
          array_join(array_sort(collect_set(when(col(ForgetJob.SPLIT).equalTo(ForgetJob.TRAIN),
              concat(col(ExampleSchema.SHARD).cast("string"), lit(":"), col(ExampleSchema.SLICE).cast("string")))
              .when(col(ForgetJob.SPLIT).equalTo(ForgetJob.TEST), lit("test")))), ";").as("shards_slices"));
      result = result.join(perRequest, RequestReader.REQUEST_ID, "left");
    }
    Dataset<Row> withStatus = result.withColumn("status",
        when(col("batch_id").isNull(), lit("received"))
            .when(col("routed").and(coalesce(col("found"), lit(false)).equalTo(false)), lit("not-found"))
            .otherwise(col("found_status")));
    List<String> columns = new ArrayList<>(List.of(RequestReader.REQUEST_ID, RequestReader.ID_KIND,
        RequestReader.ID, RequestReader.REASON, Ledger.RECEIVED_AT, "batch_id", "status"));
    STEPS.forEach(step -> columns.add(timeColumn(step)));
    columns.addAll(List.of("shards_slices", "generation_before", "generation_after", "removed_checkpoints",
        "removed_data_files"));
    return withStatus.selectExpr(columns.toArray(String[]::new)).orderBy(Ledger.RECEIVED_AT,
        RequestReader.REQUEST_ID);
  }

  /**
   * The status a batch gives its found requests: its state's, except that a completed batch whose affected shards
   * the served generation still serves deactivated (retraining deferred) says so.
   */
  private static String status(ForgetState state, ForgetJournal journal, GenerationManifest served) {
    if (state != ForgetState.COMPLETED || served == null
        || !journal.result(StepResult.Completed.class).retrainPending()) {
      return state.requestStatus();
    }
    for (int shard : journal.result(StepResult.Routed.class).affectedSlices().keySet()) {
      if (served.shard(shard).map(s -> !s.servesFullLineage(served.numSlices())).orElse(false)) {
        return ForgetReport.RETRAIN_PENDING;
      }
    }
    return "completed";
  }
}
