package io.lethe.jobs.repair;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.train.ExampleRows;
import io.lethe.models.CheckpointCodec;
import io.lethe.models.EncodedCheckpoint;
import io.lethe.models.ModelSpec;
import io.lethe.models.Provenance;
import io.lethe.models.RecordIds;
import io.lethe.models.ResumePoint;
import io.lethe.models.ShardTrainer;
import io.lethe.models.SliceData;
import io.lethe.models.SliceOrder;
import io.lethe.prep.ExamplesReader;
import io.lethe.store.DataManifest;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds damaged or missing checkpoints. Training is deterministic, so a checkpoint is retrained from the data
 * its provenance says it saw (from its parent when that is intact, else from scratch, in the slice order it was
 * trained in) and the result is accepted only if its bytes hash to the checkpoint's name — the content address
 * proves the rebuilt file is the original. The damaged file is then replaced through staging and renames. Where
 * the data it saw no longer exists (a forget removed records from it), nothing is changed: such a checkpoint can
 * only be replaced by retraining its shard forward, as forget does. The caller holds the store lock.
 */
public final class CheckpointRepair {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointRepair.class);

  private final SparkSession spark;
  private final LetheStore store;
  private final CheckpointRepository checkpoints;
  private final LetheSettings.TrainingSettings training;

  /**
   * @param training lethe.training: the CPU kernels retraining must run, as training did, and its native garbage
   *     limit (the native threads come from the checkpoint's provenance)
   */
  public CheckpointRepair(SparkSession spark, LetheStore store, LetheSettings.TrainingSettings training) {
    this.spark = spark;
    this.store = store;
    this.checkpoints = new CheckpointRepository(store);
    this.training = training;
  }

  /** What happened to one checkpoint: rebuilt, or refused with the reason and what to do instead. */
  public record Outcome(String sha256, int shard, int slice, boolean repaired, String message) {}

  /**
   * The checkpoints that need repair: every stored zip that does not hash to its name, and every checkpoint the
   * served generation names that is missing while its provenance is there.
   */
  public List<String> findDamaged() {
    Set<String> damaged = new TreeSet<>();
    for (FileStatus status : store.list(store.layout().checkpointsDir())) {
      String name = status.getPath().getName();
      if (name.endsWith(".zip")) {
        String sha = name.substring(0, name.length() - ".zip".length());
        if (!isIntact(sha)) {
          damaged.add(sha);
        }
      }
    }
    if (store.latestGeneration().isPresent()) {
      for (String sha : store.readServedGeneration().checkpoints()) {
        if (!checkpoints.exists(sha) && store.exists(store.layout().checkpointProvenance(sha))) {
          damaged.add(sha);
        }
      }
    }
    return new ArrayList<>(damaged);
  }

  /** Repairs the given checkpoints, parents first (a repaired parent lets its child resume from it). */
  public List<Outcome> repair(List<String> shas) {
    Map<String, Provenance> known = new TreeMap<>();
    List<Outcome> outcomes = new ArrayList<>();
    for (String sha : shas) {
      if (!store.exists(store.layout().checkpointProvenance(sha))) {
        outcomes.add(new Outcome(sha, -1, -1, false, "Cannot repair checkpoint " + sha + ": it has no"
            + " provenance, so what it was trained on is unknown. Retrain its shard with `lethe train --force`."));
      } else {
        known.put(sha, checkpoints.loadProvenance(sha));
      }
    }
    known.entrySet().stream()
        .sorted(Comparator.comparingInt(e -> e.getValue().stage()))
        .forEach(e -> outcomes.add(repair(e.getValue(), e.getKey())));
    return outcomes;
  }

  private Outcome repair(Provenance provenance, String sha) {
    int shard = provenance.shard();
    int slice = provenance.slice();
    if (isIntact(sha)) {
      return new Outcome(sha, shard, slice, true, "Checkpoint " + sha + " is intact; nothing to repair.");
    }
    Optional<List<SliceData>> data = dataSeenBy(provenance);
    if (data.isEmpty()) {
      return new Outcome(sha, shard, slice, false, "Cannot repair checkpoint " + sha + " (shard " + shard
          + " slice " + slice + "): the data it was trained on no longer exists (records it saw were deleted or"
          + " rewritten). Its shard is retrained forward from an intact checkpoint instead, as forget does:"
          + " run `lethe train --force`.");
    }
    byte[] rebuilt = retrain(provenance, data.get());
    String actual = CheckpointCodec.sha256Hex(rebuilt);
    if (!actual.equals(sha)) {
      return new Outcome(sha, shard, slice, false, "Cannot repair checkpoint " + sha + " (shard " + shard
          + " slice " + slice + "): retraining gave bytes hashing to " + actual + ", so the original cannot be"
          + " proven; check that lethe.training.native-threads, the OpenBLAS kernels (lethe.training.openblas-coretype,"
          + " OPENBLAS_CORETYPE) and the Lethe version are those it was trained with.");
    }
    store.replaceFile(store.layout().checkpointZip(sha), rebuilt);
    LOG.info("Repaired checkpoint {} (shard {} slice {}): rebuilt bytes hash to its name", sha, shard, slice);
    return new Outcome(sha, shard, slice, true, "Repaired checkpoint " + sha + " (shard " + shard + " slice "
        + slice + "): retrained, and its bytes hash to its name.");
  }

  private boolean isIntact(String sha) {
    try {
      checkpoints.loadBytes(sha);
      return true;
    } catch (StoreException damagedOrMissing) {
      return false;
    }
  }

  /**
   * The shard's slices from the newest data version whose slices hold exactly the records the checkpoint saw
   * (by the record-id hashes of its provenance), or empty if no stored version does.
   */
  private Optional<List<SliceData>> dataSeenBy(Provenance provenance) {
    ModelSpec spec = ModelSpec.fromJson(provenance.modelSpecJson());
    List<Integer> versions = new ArrayList<>(store.dataVersions());
    versions.sort(Comparator.reverseOrder());
    for (int version : versions) {
      DataManifest data = store.readDataManifest(version);
      int numSlices = data.settings().numSlices();
      if (provenance.trainedSlices().stream().anyMatch(s -> s >= numSlices)) {
        continue;
      }
      List<Row> rows = ExamplesReader.shard(spark, store, data, provenance.shard())
          .select("record_id", "label", "features", "slice").collectAsList();
      List<SliceData> slices = ExampleRows.toSlices(rows.iterator(), provenance.shard(), numSlices,
          spec.numFeatures());
      boolean same = IntStream.range(0, provenance.trainedSlices().size()).allMatch(i ->
          RecordIds.sha256OfSorted(slices.get(provenance.trainedSlices().get(i)).recordIds())
              .equals(provenance.sliceRecordIdsSha256().get(i)));
      if (same) {
        return Optional.of(slices);
      }
    }
    return Optional.empty();
  }

  /** Retrains up to the checkpoint's stage and returns that stage's zip bytes. */
  private byte[] retrain(Provenance provenance, List<SliceData> slices) {
    ModelSpec spec = ModelSpec.fromJson(provenance.modelSpecJson());
    List<Integer> order = new ArrayList<>(provenance.trainedSlices());
    IntStream.range(0, slices.size()).filter(s -> !order.contains(s)).forEach(order::add);
    ResumePoint resume = null;
    String parent = provenance.parentSha256();
    if (parent != null && isIntact(parent)) {
      resume = new ResumePoint(checkpoints.loadModel(parent), checkpoints.loadProvenance(parent));
    }
    // The checkpoint's own thread count, not today's setting: the bits depend on it.
    ShardTrainer trainer = training.applyTo(ShardTrainer.builder()).nativeThreads(provenance.nativeThreads())
        .spec(spec).shard(provenance.shard()).numSlices(slices.size())
        .libraryVersions(provenance.libraryVersions()).build();
    EncodedCheckpoint[] target = new EncodedCheckpoint[1];
    try {
      trainer.train(slices, new SliceOrder(order), resume, (checkpoint, p) -> {
        if (p.stage() == provenance.stage()) {
          target[0] = checkpoint;
          throw new StageReached();
        }
      });
    } catch (StageReached reached) {
      return target[0].zipBytes();
    } catch (IOException e) {
      throw new StoreException("Retraining shard " + provenance.shard() + " failed: " + e.getMessage(), e);
    }
    throw new StoreException("Retraining shard " + provenance.shard() + " never reached stage "
        + provenance.stage() + " of checkpoint " + provenance.zipSha256() + ".");
  }

  /** Stops training once the stage being rebuilt has its checkpoint. */
  private static final class StageReached extends IOException {
    private static final long serialVersionUID = 1L;
  }
}
