package io.lethe.jobs.forget;

import static org.apache.spark.sql.functions.col;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.prep.ExampleSchema;
import io.lethe.prep.ExamplesReader;
import io.lethe.prep.PartitionWriter;
import io.lethe.store.DataManifest;
import io.lethe.store.DataManifest.PartitionEntry;
import io.lethe.store.FailPoints;
import io.lethe.store.Json;
import io.lethe.store.LetheStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DATA_REWRITTEN step: commits a new data version in which only the partitions that held deleted rows are
 * rewritten (the others keep their files, unchanged), then removes the old files of the rewritten partitions and
 * retires every older data version, so no stored row of a deleted record remains. Removed files are recorded with
 * their sha256 for the audit.
 */
final class DataRewrite {
  private static final Logger LOG = LoggerFactory.getLogger(DataRewrite.class);
  private static final String DELETED_ID = "deleted_record_id";

  private final SparkSession spark;
  private final LetheStore store;
  private final Ledger ledger;
  private final LetheSettings settings;

  DataRewrite(SparkSession spark, LetheStore store, Ledger ledger, LetheSettings settings) {
    this.spark = spark;
    this.store = store;
    this.ledger = ledger;
    this.settings = settings;
  }

  StepResult.DataRewritten run(ForgetJournal journal) {
    int oldVersion = journal.result(StepResult.Routed.class).dataVersion();
    String reason = "forget " + journal.batchId();
    Dataset<Row> routed = ledger.routed(journal.batchId()).cache();
    Optional<DataManifest> committed = committedRewrite(oldVersion, reason);
    boolean anyDeleted = !routed.filter(col(ForgetJob.SPLIT).isNotNull()).isEmpty();
    DataManifest old = committed.isPresent() || !store.exists(store.layout().dataManifest(oldVersion))
        ? null : store.readDataManifest(oldVersion);
    long measureStart = System.nanoTime();
    if (old != null && anyDeleted && settings.forget().membershipAudit()) {
      new ForgetReport.Writer(spark, store, settings).measureBefore(journal, old);
    }
    double measureSeconds = (System.nanoTime() - measureStart) / 1e9;
    DataManifest current;
    List<String> rewritten = new ArrayList<>();
    if (committed.isPresent()) {
      current = committed.get();
    } else if (!anyDeleted) {
      current = old;
    } else {
      current = rewrite(old, routed, reason, rewritten);
    }
    FailPoints.check("forget.DATA_REWRITTEN.before-cleanup");
    List<StepResult.RemovedFile> removed = new ArrayList<>();
    List<Integer> retired = new ArrayList<>();
    Set<String> referenced = referencedFiles(current);
    for (int version : store.dataVersions()) {
      if (version < current.version()) {
        retire(store.readDataManifest(version), referenced, removed);
        retired.add(version);
      }
    }
    routed.unpersist();
    return new StepResult.DataRewritten(current.version(), rewritten, retired, removed, measureSeconds);
  }

  private Optional<DataManifest> committedRewrite(int oldVersion, String reason) {
    return store.dataVersions().stream()
        .map(store::readDataManifest)
        .filter(m -> m.derivedFrom() != null && m.derivedFrom() == oldVersion && reason.equals(m.reason()))
        .findFirst();
  }

  private DataManifest rewrite(DataManifest old, Dataset<Row> routed, String reason, List<String> rewritten) {
    int version = store.latestDataVersion().getAsInt() + 1;
    String versionName = store.layout().dataVersion(version).getName();
    Dataset<Row> deletedTrain = routed.filter(col(ForgetJob.SPLIT).equalTo(ForgetJob.TRAIN));
    Set<String> touched = new HashSet<>();
    for (Row r : deletedTrain.select(ExampleSchema.SHARD, ExampleSchema.SLICE).distinct().collectAsList()) {
      touched.add(r.getInt(0) + "/" + r.getInt(1));
    }
    Dataset<Row> deletedIds = routed.filter(col(ForgetJob.SPLIT).isNotNull())
        .select(col(ExampleSchema.RECORD_ID).as(DELETED_ID)).distinct();
    Path staged = store.newStagingDir("rewrite");
    List<PartitionEntry> partitions = new ArrayList<>();
    long trainRows = 0;
    for (PartitionEntry partition : old.partitions()) {
      PartitionEntry entry = partition;
      if (touched.contains(partition.shard() + "/" + partition.slice())) {
        String dir = "examples/shard=" + partition.shard() + "/slice=" + partition.slice();
        Dataset<Row> kept = readPartition(partition).join(deletedIds,
            col(ExampleSchema.RECORD_ID).equalTo(col(DELETED_ID)), "left_anti");
        entry = PartitionWriter.write(store, kept, partition.shard(), partition.slice(), new Path(staged, dir),
            versionName + "/" + dir).withPriorSumCarriedFrom(partition);
        rewritten.add(partition.shard() + "/" + partition.slice());
        if (rewritten.size() == 1) {
          FailPoints.check("forget.DATA_REWRITTEN.after-first-partition");
        }
      }
      partitions.add(entry);
      trainRows += entry.rows();
    }
    PartitionEntry test = old.test();
    boolean testTouched = !routed.filter(col(ForgetJob.SPLIT).equalTo(ForgetJob.TEST)).isEmpty();
    if (testTouched) {
      Dataset<Row> kept = ExamplesReader.testSplit(spark, store, old).join(deletedIds,
          col(ExampleSchema.RECORD_ID).equalTo(col(DELETED_ID)), "left_anti");
      test = PartitionWriter.write(store, kept, -1, -1, new Path(staged, "test"), versionName + "/test");
      rewritten.add("test");
    }
    DataManifest manifest = new DataManifest(LetheStore.FORMAT_VERSION, version, old.version(),
        store.clock().instant().toString(), reason, old.settings(), old.numFeatures(), old.numClasses(), trainRows,
        test == null ? 0 : test.rows(), partitions, test);
    store.commitNewFile(new Path(staged, "_manifest.json"), Json.write(manifest).getBytes(StandardCharsets.UTF_8),
        false);
    store.commitRename(staged, store.layout().dataVersion(version));
    LOG.info("Committed data version {} ({}): rewrote partitions {}; {} train rows remain", version, reason,
        rewritten, trainRows);
    return manifest;
  }

  private Dataset<Row> readPartition(PartitionEntry partition) {
    String[] paths = partition.files().stream().map(f -> ExamplesReader.resolve(store, f).toString())
        .toArray(String[]::new);
    return spark.read().schema(ExampleSchema.INPUT).parquet(paths);
  }

  private static Set<String> referencedFiles(DataManifest manifest) {
    Set<String> files = new HashSet<>();
    manifest.partitions().forEach(p -> p.files().forEach(f -> files.add(f.path())));
    if (manifest.test() != null) {
      manifest.test().files().forEach(f -> files.add(f.path()));
    }
    return files;
  }

  /**
   * Deletes an older data version's manifest (it is no longer complete) and every file of it that the current
   * version does not share, recording each removed file's hash.
   */
  private void retire(DataManifest version, Set<String> referenced, List<StepResult.RemovedFile> removed) {
    List<PartitionEntry> entries = new ArrayList<>(version.partitions());
    if (version.test() != null) {
      entries.add(version.test());
    }
    for (PartitionEntry entry : entries) {
      for (DataManifest.FileEntry file : entry.files()) {
        Path path = ExamplesReader.resolve(store, file);
        if (!referenced.contains(file.path()) && store.exists(path)) {
          removed.add(new StepResult.RemovedFile(path.toString(), Hashes.sha256(store, path), file.bytes()));
          store.deleteIfExists(path);
          if (removed.size() == 1) {
            FailPoints.check("forget.DATA_REWRITTEN.after-first-removal");
          }
        }
      }
    }
    store.deleteIfExists(store.layout().dataManifest(version.version()));
    LOG.info("Retired data version {}: removed {} file(s) it did not share with the current version",
        version.version(), removed.size());
  }
}
