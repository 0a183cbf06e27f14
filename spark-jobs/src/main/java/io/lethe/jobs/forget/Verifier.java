package io.lethe.jobs.forget;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.train.ShardTrainResult;
import io.lethe.jobs.train.TrainJob;
import io.lethe.models.ModelSpec;
import io.lethe.models.Provenance;
import io.lethe.models.SliceOrder;
import io.lethe.prep.ExampleSchema;
import io.lethe.prep.IdIndexRows;
import io.lethe.store.DataManifest;
import io.lethe.store.GenerationManifest;
import io.lethe.store.IdIndex;
import io.lethe.store.LetheStore;
import io.lethe.store.ShardLineage;
import io.lethe.store.StoreException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code lethe verify}: checks that nothing in the store still holds, or was trained on, a record whose deletion
 * was acknowledged — data files of every data version, every stored checkpoint (through its provenance and
 * record-id sets), the record-id sets themselves and staging leftovers — and that the store is intact: every
 * checkpoint zip and record-id set hashes to its name, every provenance describes the zip beside it, and no
 * generation names a checkpoint that is missing or that a purge removed after the generation's time. The ledger is not scanned: it keeps the deleted ids (never their features) as the audit trail.
 * With {@code --exact}, every slice order of each shard touched by a forget is trained from scratch on the remaining
 * data and must reproduce the checkpoint the served generation keeps of it bit for bit.
 */
public final class Verifier {
  private static final String INDEX_DIR = IdIndex.RELATIVE_PATH.substring(0, IdIndex.RELATIVE_PATH.indexOf('/'));
  private static final int SHOWN = 5;
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

  /**
   * What verify checks; all of them unless a test leaves one out to show that its planted fault then goes
   * unnoticed (the checks are only worth something if each one can fail).
   */
  public enum Check {
    /** Acknowledged requests not yet processed, batches stopped mid-way. */
    LEDGER,
    /** Rows of deleted records in any data file of any data version. */
    DATA_FILES,
    /** Stored checkpoints trained on deleted records, and record-id sets holding deleted ids. */
    TAINTED_CHECKPOINTS,
    /** Every checkpoint zip hashes to its name; every provenance names the zip it sits beside. */
    CHECKPOINT_FILES,
    /** Every record-id set hashes to its name. */
    RECORD_ID_SETS,
    /** No generation published after a purge names a purged checkpoint; no generation names a missing one. */
    GENERATIONS,
    /** No leftovers of interrupted writes under staging/. */
    STAGING,
    /** The ledger's request-id index holds every acknowledged request id (else re-submissions are not recognised). */
    LEDGER_INDEX,
    /**
     * Each data version's id index hashes to what its manifest records and lists exactly the version's training
     * and test rows, each at its shard and slice.
     */
    ID_INDEX
  }

  /**
   * One sequence of a shard trained from scratch on the remaining data, compared with the last stage the served
   * generation keeps of it.
   *
   * @param served that kept checkpoint's sha256
   * @param servedNow whether it is the checkpoint the shard serves (rather than another kept order)
   */
  public record ShardProof(int shard, int sequence, int stage, String served, String fromScratch,
      boolean identical, boolean servedNow) {}

  /** The outcome; {@link #ok()} decides the exit code. */
  public record Result(long deletedRecords, int batches, int dataFilesScanned, int checkpointsScanned,
      List<Finding> findings, List<ShardProof> proofs) {
    public boolean ok() {
      return findings.isEmpty() && proofs.stream().allMatch(ShardProof::identical);
    }
  }

  public Result run(boolean exact) {
    return run(exact, EnumSet.allOf(Check.class));
  }

  /** Runs the given checks only; {@link #run(boolean)} runs all of them. */
  public Result run(boolean exact, Set<Check> checks) {
    List<Finding> findings = new ArrayList<>();
    Ledger ledger = new Ledger(spark, store);
    if (checks.contains(Check.LEDGER)) {
      long pending = ledger.pending().stream().mapToLong(Ledger.Submission::requests).sum();
      if (pending > 0) {
        findings.add(new Finding("pending", "ledger", pending + " acknowledged request(s) not yet processed; run"
            + " `lethe resume`"));
      }
    }
    List<Dataset<Row>> routed = new ArrayList<>();
    Set<Integer> touchedShards = new TreeSet<>();
    List<String> batches = ForgetJournal.batchIds(store);
    List<PurgeRecord> purges = new ArrayList<>();
    for (String batchId : batches) {
      ForgetJournal journal = new ForgetJournal(store, batchId);
      List<JournalEntry> entries = journal.entries();
      ForgetState state = entries.isEmpty() ? null : entries.get(entries.size() - 1).state();
      if (checks.contains(Check.LEDGER) && state != ForgetState.COMPLETED) {
        findings.add(new Finding("in-progress", batchId, "forget batch stopped after " + state + "; run"
            + " `lethe resume`"));
      }
      if (store.exists(ledger.routedPath(batchId))) {
        routed.add(ledger.routed(batchId));
        touchedShards.addAll(ForgetJob.affectedShards(journal).keySet());
      }
      Optional<StepResult.ServingClean> clean = journal.find(StepResult.ServingClean.class);
      Optional<StepResult.Purged> purged = journal.find(StepResult.Purged.class);
      if (clean.isPresent() && purged.isPresent()) {
        purges.add(new PurgeRecord(batchId, clean.get().generation(), purged.get().purgedCheckpoints()));
      }
    }
    // Every deletion ever made: handed to the driver in bounded rounds, never whole.
    DeletedIds deleted = DeletedIds.of(routed, settings.forget().maxDriverRecordIds());
    int dataFiles = scanData(deleted, findings, checks.contains(Check.DATA_FILES));
    CheckpointScan scan = new CheckpointScan(store);
    Map<String, Provenance> provenance = scan.provenance();
    if (checks.contains(Check.TAINTED_CHECKPOINTS)) {
      for (CheckpointScan.Tainted t : scan.tainted(deleted)) {
        findings.add(new Finding("checkpoint", t.sha256(), t.unverifiable()
            ? "shard " + t.shard() + " slice " + t.slice() + ": its record-id sets are missing or damaged, so it"
                + " cannot be shown clean"
            : "shard " + t.shard() + " slice " + t.slice() + " was trained on deleted records (sets " + t.idSets()
                + ")"));
      }
      for (String set : scan.taintedIdSets(deleted)) {
        findings.add(new Finding("record-id-set", set, "holds deleted record ids"));
      }
    }
    if (checks.contains(Check.RECORD_ID_SETS)) {
      for (String set : scan.damagedIdSets()) {
        findings.add(new Finding("record-id-set", set, "its content does not hash to its name: the set is"
            + " damaged, so no checkpoint naming it can be shown clean"));
      }
    }
    Set<String> zips = checkpointZips();
    if (checks.contains(Check.CHECKPOINT_FILES)) {
      checkCheckpointFiles(zips, provenance, findings);
    }
    if (checks.contains(Check.GENERATIONS)) {
      checkGenerations(zips, purges, findings);
    }
    if (checks.contains(Check.ID_INDEX)) {
      checkIdIndexes(findings);
    }
    if (checks.contains(Check.STAGING)) {
      List<String> leftovers = store.list(store.layout().stagingDir()).stream()
          .map(status -> status.getPath().getName()).sorted().toList();
      if (!leftovers.isEmpty()) {
        findings.add(new Finding("staging", store.layout().stagingDir().toString(), leftovers.size()
            + " leftover(s) of interrupted writes " + leftovers + "; the next writer removes them"));
      }
    }
    if (checks.contains(Check.LEDGER_INDEX)) {
      RequestIdIndex index = new RequestIdIndex(store);
      for (String gap : index.check()) {
        findings.add(new Finding("ledger-index", index.dir().toString(), gap));
      }
    }
    List<ShardProof> proofs = new ArrayList<>();
    if (exact && store.latestGeneration().isPresent()) {
      proofs = prove(store.readServedGeneration(), touchedShards);
    }
    return new Result(deleted.count(), batches.size(), dataFiles, provenance.size(), findings, proofs);
  }

  /** What one batch's purge removed, and the clean-prefix generation published just before it. */
  private record PurgeRecord(String batchId, long cleanGeneration, List<StepResult.PurgedCheckpoint> checkpoints) {}

  private Set<String> checkpointZips() {
    Set<String> zips = new TreeSet<>();
    for (FileStatus status : store.list(store.layout().checkpointsDir())) {
      String name = status.getPath().getName();
      if (name.endsWith(".zip")) {
        zips.add(name.substring(0, name.length() - ".zip".length()));
      }
    }
    return zips;
  }

  /** Each zip must hash to its name and have its provenance beside it, which must name it. */
  private void checkCheckpointFiles(Set<String> zips, Map<String, Provenance> provenance, List<Finding> findings) {
    for (String sha : zips) {
      Path zip = store.layout().checkpointZip(sha);
      String actual = Hashes.sha256(store, zip);
      if (!actual.equals(sha)) {
        long bytes = fileLength(zip);
        findings.add(new Finding("checkpoint-file", sha, "its " + bytes + " bytes hash to " + actual
            + ", not to its name: the file is damaged; run `lethe repair`"));
      }
      Provenance p = provenance.get(sha);
      if (p == null) {
        findings.add(new Finding("provenance", sha, "the checkpoint has no provenance beside it, so it cannot be"
            + " shown clean; delete it or retrain its shard"));
      } else if (!sha.equals(p.zipSha256())) {
        findings.add(new Finding("provenance", sha, "names zip " + p.zipSha256() + " but sits beside checkpoint "
            + sha + ": its hashes disagree with its zip, so it does not describe this checkpoint"));
      }
    }
  }

  /**
   * A generation published after a batch's purge must not name a checkpoint that purge removed: serving it would
   * bring back a model that saw deleted records (older generations are history and may name them). The served
   * generation may name no missing checkpoint at all.
   */
  private void checkGenerations(Set<String> zips, List<PurgeRecord> purges, List<Finding> findings) {
    List<Long> numbers = store.generations();
    long served = numbers.isEmpty() ? -1 : numbers.get(numbers.size() - 1);
    for (long number : numbers) {
      GenerationManifest generation = store.readGeneration(number);
      Set<String> named = new LinkedHashSet<>(generation.checkpoints());
      List<String> purgedNamed = new ArrayList<>();
      List<String> missing = new ArrayList<>();
      for (String sha : named) {
        if (zips.contains(sha)) {
          continue;
        }
        Optional<PurgeRecord> purge = purges.stream()
            .filter(p -> p.checkpoints().stream().anyMatch(c -> c.sha256().equals(sha))).findFirst();
        if (purge.isEmpty()) {
          missing.add(sha);
        } else if (number > purge.get().cleanGeneration()) {
          StepResult.PurgedCheckpoint c = purge.get().checkpoints().stream().filter(x -> x.sha256().equals(sha)).findFirst()
              .orElseThrow();
          purgedNamed.add("shard " + c.shard() + " slice " + c.slice() + " " + sha + " by batch "
              + purge.get().batchId());
        }
      }
      if (!purgedNamed.isEmpty()) {
        findings.add(new Finding("generation", Long.toString(number), "names " + purgedNamed.size()
            + " checkpoint(s) purged because they saw deleted records (" + String.join(", ", purgedNamed)
            + "); it was published after that purge, and serving it would serve them"));
      }
      // Older generations are history: a purge interrupted and resumed may not have recorded every checkpoint
      // it removed, so only the served generation must name no missing checkpoint.
      if (!missing.isEmpty() && number == served) {
        findings.add(new Finding("generation", Long.toString(number), "names " + missing.size()
            + " checkpoint(s) missing from the store " + missing + "; run `lethe repair`"));
      }
    }
  }

  private long fileLength(Path path) {
    try {
      return store.fs().getFileStatus(path).getLen();
    } catch (IOException e) {
      throw new StoreException("Cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  private int scanData(DeletedIds deleted, List<Finding> findings, boolean check) {
    List<String> files = new ArrayList<>();
    List<Path> indexes = new ArrayList<>();
    try {
      if (store.exists(store.layout().dataDir())) {
        RemoteIterator<LocatedFileStatus> it = store.fs().listFiles(store.layout().dataDir(), true);
        while (it.hasNext()) {
          Path path = it.next().getPath();
          if (path.getName().endsWith(".parquet")) {
            if (path.toString().contains("/" + INDEX_DIR + "/")) {
              indexes.add(path);
            } else {
              files.add(path.toString());
            }
          }
        }
      }
    } catch (IOException e) {
      throw new StoreException("Cannot list " + store.layout().dataDir() + ": " + e.getMessage(), e);
    }
    if (!check || deleted.count() == 0) {
      return files.size() + indexes.size();
    }
    // Id indexes hold ids only, in a schema of their own: read in the driver, not in the examples' scan.
    for (Path index : indexes) {
      long[] hits = new long[1];
      deleted.forEachRound(round -> IdIndex.forEach(store, index, entry -> {
        if (round.contains(entry.recordId())) {
          hits[0]++;
        }
      }));
      if (hits[0] > 0) {
        findings.add(new Finding("data-file", index.toString(), hits[0] + " id index row(s) of deleted records"));
      }
    }
    if (files.isEmpty()) {
      return indexes.size();
    }
    Dataset<Row> ids = deleted.asDataset();
    List<Row> hits = spark.read().parquet(files.toArray(String[]::new))
        .select(col(ExampleSchema.RECORD_ID), input_file_name().as("file"))
        .join(ids, col(ExampleSchema.RECORD_ID).equalTo(ids.col("deleted_id")))
        .groupBy("file").count().collectAsList();
    for (Row hit : hits) {
      findings.add(new Finding("data-file", hit.getString(0), hit.getLong(1) + " row(s) of deleted records"));
    }
    return files.size() + indexes.size();
  }

  /**
   * Each committed data version's id index must hash to what its manifest records and hold exactly one row per
   * training and test row of the version, at that row's shard and slice: a stale or wrong entry would route a
   * deletion to the wrong partition or miss it. Versions written before the index existed have none to check.
   */
  private void checkIdIndexes(List<Finding> findings) {
    for (int version : store.dataVersions()) {
      DataManifest manifest = store.readDataManifest(version);
      if (manifest.idIndex() == null) {
        continue;
      }
      String where = "data version " + version;
      Path path = IdIndex.resolve(store, manifest.idIndex());
      if (!store.exists(path)) {
        findings.add(new Finding("id-index", where, "its id index " + path + " is missing, so requests cannot be"
            + " routed by it; report this, and forget nothing on this store until the index is rebuilt"));
        continue;
      }
      String actual;
      try {
        actual = IdIndex.contentHash(store, manifest.idIndex());
      } catch (StoreException e) {
        findings.add(new Finding("id-index", where, "its id index " + path + " cannot be read (" + e.getMessage()
            + "); report this, and forget nothing on this store until the index is rebuilt"));
        continue;
      }
      if (!actual.equals(manifest.idIndex().contentSha256())) {
        findings.add(new Finding("id-index", where, "its id index " + path + " hashes to " + actual + ", not to "
            + manifest.idIndex().contentSha256() + " as the manifest records: the file was changed after commit"));
      }
      Dataset<Row> index = spark.read().parquet(path.toString())
          .select(IdIndex.RECORD_ID, IdIndex.SUBJECT_ID, IdIndex.SHARD, IdIndex.SLICE);
      Dataset<Row> data = IdIndexRows.of(spark, store, manifest);
      Dataset<Row> extra = index.exceptAll(data).cache();
      Dataset<Row> lacking = data.exceptAll(index).cache();
      long extraRows = extra.count();
      long lackingRows = lacking.count();
      if (extraRows + lackingRows > 0) {
        findings.add(new Finding("id-index", where, "its id index disagrees with the data: " + extraRows
            + " entr" + (extraRows == 1 ? "y" : "ies") + " the data does not hold " + describe(extra) + " and "
            + lackingRows + " row(s) of the data it does not list " + describe(lacking) + "; routing by it would"
            + " miss or misplace these rows: report this, and forget nothing on this store until the index is"
            + " rebuilt"));
      }
      extra.unpersist();
      lacking.unpersist();
    }
  }

  /** Up to {@link #SHOWN} rows (record_id, subject_id, shard, slice) as "record (subject) at shard K slice R". */
  private static List<String> describe(Dataset<Row> rows) {
    return rows.orderBy(IdIndex.RECORD_ID).limit(SHOWN).collectAsList().stream()
        .map(r -> r.getString(0) + " (subject " + r.getString(1) + ") at " + (r.getInt(2) == IdIndex.TEST
            ? "the test split" : "shard " + r.getInt(2) + " slice " + r.getInt(3)))
        .toList();
  }

  /**
   * Trains every kept sequence of each touched shard from scratch in its own order (nothing stored) and compares
   * the stage the served generation keeps with the kept checkpoint.
   */
  private List<ShardProof> prove(GenerationManifest served, Set<Integer> shards) {
    DataManifest data = store.readLatestDataManifest();
    ModelSpec spec = ModelSpec.fromJson(served.modelSpecJson());
    if (served.nativeThreads() != settings.training().nativeThreads()) {
      throw new StoreException("The served models were trained with " + served.nativeThreads() + " native"
          + " thread(s) but lethe.training.native-threads is " + settings.training().nativeThreads()
          + "; an exact proof needs the same. Set it to " + served.nativeThreads() + ".");
    }
    List<TrainJob.ShardPlan> plans = new ArrayList<>();
    for (int shard : shards) {
      List<ShardLineage.Sequence> sequences = served.shard(shard).orElseThrow().sequences();
      for (int i = 0; i < sequences.size(); i++) {
        if (sequences.get(i).stages() > 0) {
          plans.add(TrainJob.ShardPlan.proof(shard, i, new SliceOrder(sequences.get(i).slices())));
        }
      }
    }
    Map<TrainJob.ShardPlan.Key, ShardTrainResult> results = TrainJob.trainShards(spark, store, settings, data, spec,
        plans);
    List<ShardProof> proofs = new ArrayList<>();
    for (TrainJob.ShardPlan plan : plans) {
      ShardLineage lineage = served.shard(plan.shard()).orElseThrow();
      ShardLineage.Sequence sequence = lineage.sequences().get(plan.sequence());
      int stage = sequence.stages();
      String kept = sequence.checkpoint(stage);
      ShardTrainResult result = results.get(plan.key());
      String fresh = result == null ? "(no rows)" : result.provenance().stream().filter(p -> p.stage() == stage)
          .map(Provenance::zipSha256).findFirst().orElse("(no stage " + stage + ")");
      proofs.add(new ShardProof(plan.shard(), plan.sequence(), stage, kept, fresh, kept.equals(fresh),
          lineage.isServed() && lineage.servedCheckpoint().equals(kept)));
    }
    return proofs;
  }
}
