package io.lethe.jobs.forget;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.train.ShardTrainResult;
import io.lethe.jobs.train.TrainJob;
import io.lethe.models.ModelSpec;
import io.lethe.models.Provenance;
import io.lethe.prep.ExampleSchema;
import io.lethe.store.DataManifest;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code lethe verify}: checks that nothing in the store still holds, or was trained on, a record whose deletion
 * was acknowledged — data files of every data version, every stored checkpoint (through its provenance and
 * record-id sets), the record-id sets themselves and staging leftovers — and that every served checkpoint is
 * intact. The ledger is not scanned: it keeps the deleted ids (never their features) as the audit trail.
 * With {@code --exact}, each shard touched by a forget is retrained from scratch on its remaining data and the
 * result must equal the served checkpoint bit for bit.
 */
public final class Verifier {
  private final SparkSession spark;
  private final LetheStore store;
  private final LetheSettings settings;

  public Verifier(SparkSession spark, LetheStore store, LetheSettings settings) {
    this.spark = spark;
    this.store = store;
    this.settings = settings;
  }

  /** One thing that is not as it must be. */
  public record Finding(String kind, String where, String detail) {}

  /** A shard's from-scratch retraining compared with what is served. */
  public record ShardProof(int shard, String served, String fromScratch, boolean identical) {}

  /** The outcome; {@link #ok()} decides the exit code. */
  public record Result(long deletedRecords, int batches, int dataFilesScanned, int checkpointsScanned,
      List<Finding> findings, List<ShardProof> proofs) {
    public boolean ok() {
      return findings.isEmpty() && proofs.stream().allMatch(ShardProof::identical);
    }
  }

  public Result run(boolean exact) {
    List<Finding> findings = new ArrayList<>();
    Ledger ledger = new Ledger(spark, store);
    long pending = ledger.pending().stream().mapToLong(Ledger.Submission::requests).sum();
    if (pending > 0) {
      findings.add(new Finding("pending", "ledger", pending + " acknowledged request(s) not yet processed; run"
          + " `lethe resume`"));
    }
    Set<String> deleted = new HashSet<>();
    Set<Integer> touchedShards = new TreeSet<>();
    List<String> batches = ForgetJournal.batchIds(store);
    for (String batchId : batches) {
      ForgetJournal journal = new ForgetJournal(store, batchId);
      ForgetState state = journal.last().map(JournalEntry::state).orElse(null);
      if (state != ForgetState.COMPLETED) {
        findings.add(new Finding("in-progress", batchId, "forget batch stopped after " + state + "; run"
            + " `lethe resume`"));
      }
      if (store.exists(ledger.routedPath(batchId))) {
        deleted.addAll(Purge.deletedIds(ledger.routed(batchId)));
        touchedShards.addAll(ForgetJob.affectedShards(journal).keySet());
      }
    }
    int dataFiles = scanData(deleted, findings);
    CheckpointScan scan = new CheckpointScan(store);
    List<Provenance> provenance = scan.provenance();
    for (CheckpointScan.Tainted t : scan.tainted(deleted)) {
      findings.add(new Finding("checkpoint", t.sha256(), t.unverifiable()
          ? "shard " + t.shard() + " slice " + t.slice() + ": its record-id sets are missing, so it cannot be shown"
              + " clean"
          : "shard " + t.shard() + " slice " + t.slice() + " was trained on deleted records (sets " + t.idSets()
              + ")"));
    }
    for (String set : scan.taintedIdSets(deleted)) {
      findings.add(new Finding("record-id-set", set, "holds deleted record ids"));
    }
    if (!store.list(store.layout().stagingDir()).isEmpty()) {
      findings.add(new Finding("staging", store.layout().stagingDir().toString(), "leftovers of an interrupted"
          + " write; the next writer removes them"));
    }
    List<ShardProof> proofs = new ArrayList<>();
    if (store.latestGeneration().isPresent()) {
      GenerationManifest served = store.readServedGeneration();
      CheckpointRepository checkpoints = new CheckpointRepository(store);
      for (GenerationManifest.ShardEntry shard : served.servedShards()) {
        try {
          checkpoints.loadBytes(shard.servedCheckpoint());
        } catch (StoreException e) {
          findings.add(new Finding("served-checkpoint", shard.servedCheckpoint(), e.getMessage()));
        }
      }
      if (exact) {
        proofs = prove(served, touchedShards);
      }
    }
    return new Result(deleted.size(), batches.size(), dataFiles, provenance.size(), findings, proofs);
  }

  private int scanData(Set<String> deleted, List<Finding> findings) {
    List<String> files = new ArrayList<>();
    try {
      if (store.exists(store.layout().dataDir())) {
        RemoteIterator<LocatedFileStatus> it = store.fs().listFiles(store.layout().dataDir(), true);
        while (it.hasNext()) {
          Path path = it.next().getPath();
          if (path.getName().endsWith(".parquet")) {
            files.add(path.toString());
          }
        }
      }
    } catch (IOException e) {
      throw new StoreException("Cannot list " + store.layout().dataDir() + ": " + e.getMessage(), e);
    }
    if (files.isEmpty() || deleted.isEmpty()) {
      return files.size();
    }
    Dataset<Row> ids = spark.createDataset(new ArrayList<>(deleted), Encoders.STRING()).toDF("deleted_id");
    List<Row> hits = spark.read().parquet(files.toArray(String[]::new))
        .select(col(ExampleSchema.RECORD_ID), input_file_name().as("file"))
        .join(ids, col(ExampleSchema.RECORD_ID).equalTo(ids.col("deleted_id")))
        .groupBy("file").count().collectAsList();
    for (Row hit : hits) {
      findings.add(new Finding("data-file", hit.getString(0), hit.getLong(1) + " row(s) of deleted records"));
    }
    return files.size();
  }

  /** Retrains each touched shard from scratch (nothing stored) and compares with the served checkpoint. */
  private List<ShardProof> prove(GenerationManifest served, Set<Integer> shards) {
    DataManifest data = store.readDataManifest(served.dataVersion());
    ModelSpec spec = ModelSpec.fromJson(served.modelSpecJson());
    if (served.nativeThreads() != settings.training().nativeThreads()) {
      throw new StoreException("The served models were trained with " + served.nativeThreads() + " native"
          + " thread(s) but lethe.training.native-threads is " + settings.training().nativeThreads()
          + "; an exact proof needs the same. Set it to " + served.nativeThreads() + ".");
    }
    List<TrainJob.ShardPlan> plans = shards.stream().map(TrainJob.ShardPlan::proof).toList();
    Map<Integer, ShardTrainResult> results = TrainJob.trainShards(spark, store, settings, data, spec, plans);
    List<ShardProof> proofs = new ArrayList<>();
    for (int shard : shards) {
      GenerationManifest.ShardEntry entry = served.shard(shard).orElseThrow();
      String servedSha = entry.isServed() ? entry.servedCheckpoint() : "(left out)";
      ShardTrainResult result = results.get(shard);
      String fresh = result == null ? "(no rows)"
          : result.provenance().get(result.provenance().size() - 1).zipSha256();
      proofs.add(new ShardProof(shard, servedSha, fresh, servedSha.equals(fresh)));
    }
    return proofs;
  }
}
