package io.lethe.jobs.forget;

import static org.apache.spark.sql.functions.col;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.prep.ExampleSchema;
import io.lethe.prep.ExamplesReader;
import io.lethe.prep.IdIndexRows;
import io.lethe.prep.LocalPartitionRewriter;
import io.lethe.prep.PartitionWriter;
import io.lethe.store.DataManifest;
import io.lethe.store.DataManifest.PartitionEntry;
import io.lethe.store.FailPoints;
import io.lethe.store.IdIndex;
import io.lethe.store.Json;
import io.lethe.store.LetheStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
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

  private final Supplier<SparkSession> spark;
  private final LetheStore store;
  private final Ledger ledger;
  private final LetheSettings settings;

  DataRewrite(Supplier<SparkSession> spark, LetheStore store, Ledger ledger, LetheSettings settings) {
    this.spark = spark;
    this.store = store;
    this.ledger = ledger;
    this.settings = settings;
  }

  StepResult.DataRewritten run(ForgetJournal journal) {
    StepResult.Routed routing = journal.result(StepResult.Routed.class);
    int oldVersion = routing.dataVersion();
    String reason = "forget " + journal.batchId();
    Optional<DataManifest> committed = committedRewrite(oldVersion, reason);
    // What was routed where is in the journal; only the deleted ids are read, from the batch's small routing file.
    boolean anyDeleted = routing.trainRows() + routing.testRows() > 0;
    DataManifest old = committed.isPresent() || !store.exists(store.layout().dataManifest(oldVersion))
        ? null : store.readDataManifest(oldVersion);
    long measureStart = System.nanoTime();
    if (old != null && anyDeleted && settings.forget().membershipAudit()) {
      new ForgetReport.Writer(spark.get(), store, settings).measureBefore(journal, old);
    }
    double measureSeconds = (System.nanoTime() - measureStart) / 1e9;
    DataManifest current;
    List<String> rewritten = new ArrayList<>();
    if (committed.isPresent()) {
      current = committed.get();
    } else if (!anyDeleted) {
      current = old;
    } else {
      current = rewrite(old, routing, ledger.deletedIds(journal.batchId()), reason, rewritten);
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
    return new StepResult.DataRewritten(current.version(), rewritten, retired, removed, measureSeconds);
  }

  private Optional<DataManifest> committedRewrite(int oldVersion, String reason) {
    return store.dataVersions().stream()
        .map(store::readDataManifest)
        .filter(m -> m.derivedFrom() != null && m.derivedFrom() == oldVersion && reason.equals(m.reason()))
        .findFirst();
  }

  private DataManifest rewrite(DataManifest old, StepResult.Routed routing, Set<String> deleted, String reason,
      List<String> rewritten) {
    int version = store.latestDataVersion().getAsInt() + 1;
    String versionName = store.layout().dataVersion(version).getName();
    Map<Integer, Set<Integer>> touched = routing.affectedSlices();
    int local = 0;
    Path staged = store.newStagingDir("rewrite");
    List<PartitionEntry> partitions = new ArrayList<>();
    long trainRows = 0;
    for (PartitionEntry partition : old.partitions()) {
      PartitionEntry entry = partition;
      if (touched.getOrDefault(partition.shard(), Set.of()).contains(partition.slice())) {
        String dir = "examples/shard=" + partition.shard() + "/slice=" + partition.slice();
        if (rewritesHere(partition, old.numFeatures())) {
          entry = LocalPartitionRewriter.rewrite(store, partition, deleted, new Path(staged, dir),
              versionName + "/" + dir);
          local++;
        } else {
          Dataset<Row> kept = readPartition(partition).join(deletedIds(deleted),
              col(ExampleSchema.RECORD_ID).equalTo(col(DELETED_ID)), "left_anti");
          entry = PartitionWriter.write(store, kept, partition.shard(), partition.slice(), new Path(staged, dir),
              versionName + "/" + dir);
        }
        entry = entry.withPriorSumCarriedFrom(partition);
        rewritten.add(partition.shard() + "/" + partition.slice());
        if (rewritten.size() == 1) {
          FailPoints.check("forget.DATA_REWRITTEN.after-first-partition");
        }
      }
      partitions.add(entry);
      trainRows += entry.rows();
    }
    PartitionEntry test = old.test();
    if (routing.testRows() > 0) {
      if (rewritesHere(test, old.numFeatures())) {
        test = LocalPartitionRewriter.rewrite(store, test, deleted, new Path(staged, "test"), versionName + "/test");
        local++;
      } else {
        Dataset<Row> kept = ExamplesReader.testSplit(spark.get(), store, old).join(deletedIds(deleted),
            col(ExampleSchema.RECORD_ID).equalTo(col(DELETED_ID)), "left_anti");
        test = PartitionWriter.write(store, kept, -1, -1, new Path(staged, "test"), versionName + "/test");
      }
      rewritten.add("test");
    }
    DataManifest.IndexFile index = writeIndex(old, deleted, staged, versionName);
    DataManifest manifest = new DataManifest(LetheStore.FORMAT_VERSION, version, old.version(),
        store.clock().instant().toString(), reason, old.settings(), old.numFeatures(), old.numClasses(), trainRows,
        test == null ? 0 : test.rows(), partitions, test, index);
    store.commitNewFile(new Path(staged, "_manifest.json"), Json.write(manifest).getBytes(StandardCharsets.UTF_8),
        false);
    store.commitRename(staged, store.layout().dataVersion(version));
    LOG.info("Committed data version {} ({}): rewrote partitions {} ({} in the driver, {} by Spark); {} train"
        + " rows remain", version, reason, rewritten, local, rewritten.size() - local, trainRows);
    return manifest;
  }

  /**
   * The new version's id index, staged with it: the old index without the deleted ids, copied row by row in the
   * driver (ids only, no example is read). A version without an index (written before it existed) gets one built
   * from its examples, once.
   */
  private DataManifest.IndexFile writeIndex(DataManifest old, Set<String> deleted, Path staged, String versionName) {
    Path target = new Path(staged, IdIndex.RELATIVE_PATH);
    String relative = versionName + "/" + IdIndex.RELATIVE_PATH;
    if (old.idIndex() == null) {
      LOG.info("Data version {} has no id index; building one for the new version from its examples",
          old.version());
      Dataset<Row> ids = IdIndexRows.of(spark.get(), store, old);
      return IdIndexRows.write(store, ids.join(deletedIds(deleted),
          col(ExampleSchema.RECORD_ID).equalTo(col(DELETED_ID)), "left_anti"), target, relative);
    }
    try (IdIndex.Writer writer = IdIndex.writer(store, target, relative)) {
      IdIndex.forEach(store, old.idIndex(), entry -> {
        if (!deleted.contains(entry.recordId())) {
          writer.add(entry);
        }
      });
      return writer.finish();
    }
  }

  /**
   * The deleted ids as a local relation, which Spark broadcasts into the anti-join of a partition too large to
   * rewrite here; made only then, so that a batch of small partitions starts no Spark work at all.
   */
  private Dataset<Row> deletedIds(Set<String> deleted) {
    return spark.get().createDataset(new ArrayList<>(deleted), Encoders.STRING()).toDF(DELETED_ID);
  }

  /** Whether a partition is small enough to rewrite in this JVM ({@code lethe.forget.local-rewrite-max-bytes}). */
  private boolean rewritesHere(PartitionEntry partition, int numFeatures) {
    return LocalPartitionRewriter.heapBytes(partition, numFeatures) <= settings.forget().localRewriteMaxBytes();
  }

  private Dataset<Row> readPartition(PartitionEntry partition) {
    String[] paths = partition.files().stream().map(f -> ExamplesReader.resolve(store, f).toString())
        .toArray(String[]::new);
    return spark.get().read().schema(ExampleSchema.INPUT).parquet(paths);
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
    // The old index holds the deleted ids; the current version's index is a file of its own, never shared.
    if (version.idIndex() != null) {
      Path index = IdIndex.resolve(store, version.idIndex());
      if (store.exists(index)) {
        removed.add(new StepResult.RemovedFile(index.toString(), Hashes.sha256(store, index),
            version.idIndex().bytes()));
        store.deleteIfExists(index);
      }
    }
    store.deleteIfExists(store.layout().dataManifest(version.version()));
    LOG.info("Retired data version {}: removed {} file(s) it did not share with the current version",
        version.version(), removed.size());
  }
}
