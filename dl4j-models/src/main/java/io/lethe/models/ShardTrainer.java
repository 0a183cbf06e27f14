package io.lethe.models;

import java.io.IOException;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains one shard's model the SISA way: stage r trains on slices 0..r, continuing from stage r-1, and every stage
 * ends in a checkpoint. Forgetting a record of slice k then means resuming from the checkpoint of slice k-1. The same
 * holds for any {@link SliceOrder} of the slices (S3T trains several per shard): its stage n trains on its first n
 * slices.
 *
 * <p>Training is exact: every seed derives from (seed, shard, order prefix, epoch), ND4J's random generator is reseeded at
 * each epoch, the updater state travels in the checkpoint, and native threads are pinned. So training twice gives
 * byte-identical checkpoints, and resuming from a checkpoint gives exactly what never stopping would have.
 *
 * <p>A trainer holds no mutable state and may be reused; the networks it trains must not be shared across threads.
 */
public final class ShardTrainer {

  private static final Logger LOG = LoggerFactory.getLogger(ShardTrainer.class);

  private final ModelSpec spec;
  private final int shard;
  private final int numSlices;
  private final int nativeThreads;
  private final Map<String, String> libraryVersions;
  private final String openblasCoretype;
  private final long nativeGarbageLimitBytes;
  private final Clock clock;
  private final String configHash;
  private final String specJson;

  private ShardTrainer(Builder builder) {
    this.spec = builder.spec;
    this.shard = builder.shard;
    this.numSlices = builder.numSlices;
    this.nativeThreads = builder.nativeThreads == null ? NativeRuntime.configuredThreads() : builder.nativeThreads;
    this.openblasCoretype = builder.openblasCoretype;
    this.nativeGarbageLimitBytes = builder.nativeGarbageLimitBytes;
    this.libraryVersions = Collections.unmodifiableMap(new TreeMap<>(
        builder.libraryVersions == null ? LibraryVersions.detect() : builder.libraryVersions));
    this.clock = builder.clock;
    this.configHash = spec.configHash();
    this.specJson = spec.toJson();
  }

  /** A builder; {@code spec}, {@code shard} and {@code numSlices} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Trains the remaining slice stages of this shard in the natural order 0, 1, ..., numSlices-1 (SISA); the same as
   * {@link #train(List, SliceOrder, ResumePoint, CheckpointSink)} with {@link SliceOrder#natural}.
   */
  public TrainingResult train(List<SliceData> slices, ResumePoint resumeFrom, CheckpointSink sink)
      throws IOException {
    return train(slices, SliceOrder.natural(numSlices), resumeFrom, sink);
  }

  /**
   * Trains the remaining stages of one slice order of this shard and hands each checkpoint to {@code sink} as it is
   * made. Stage n trains on the first n slices of {@code order}, continuing from stage n-1.
   *
   * <p>Without {@code resumeFrom}, starts from {@link ModelFactory#create} with {@link Seeds#initSeed} and trains
   * stages 1..numSlices. With a resume point from a checkpoint of stage p of this order, continues with stages
   * p+1..numSlices on the given model, which it trains in place; the slices that checkpoint trained on must hold
   * exactly the records it saw. Each stage runs {@link ModelSpec#epochsPerSlice} epochs over its slices in
   * minibatches, seeded by {@link Seeds#epochSeed(long, int, List, int)} from the order prefix, so orders sharing a
   * prefix produce identical checkpoints for it; a stage whose slices are all empty trains nothing but still emits a
   * checkpoint.
   *
   * @param slices     the data of every slice 0..numSlices-1 of this shard, in slice order; empty slices included
   * @param order      the order to train the slices in; {@link SliceOrder#natural} is SISA
   * @param resumeFrom a checkpoint of this order to continue from, or null to start from scratch
   * @param sink       receives each stage's checkpoint and provenance, in stage order
   * @return provenance and metrics of the stages trained, and the final model
   * @throws IllegalArgumentException if the slices or the order do not fit, or the resume point does not fit them
   * @throws IOException              if the sink fails
   */
  public TrainingResult train(List<SliceData> slices, SliceOrder order, ResumePoint resumeFrom, CheckpointSink sink)
      throws IOException {
    if (slices == null || sink == null || order == null) {
      throw new IllegalArgumentException(slices == null
          ? "train needs the data of every slice 0.." + (numSlices - 1) + ", got null"
          : sink == null ? "train needs a CheckpointSink to hand each slice's checkpoint to, got null"
          : "train needs the slice order to train in, got null; SliceOrder.natural(numSlices) is SISA's");
    }
    checkSlices(slices);
    if (order.numSlices() != numSlices) {
      throw new IllegalArgumentException("shard " + shard + " has " + numSlices + " slices but the order "
          + order + " has " + order.numSlices() + "; give an order of all slices 0.." + (numSlices - 1));
    }
    List<String> sliceHashes = new ArrayList<>(numSlices);
    for (SliceData slice : slices) {
      sliceHashes.add(RecordIds.sha256OfSorted(slice.recordIds()));
    }
    NativeRuntime.pinThreads(nativeThreads);
    NativeRuntime.requireOpenblasCoretype(openblasCoretype);
    MultiLayerNetwork model;
    int firstStage;
    String parent;
    if (resumeFrom == null) {
      model = ModelFactory.create(spec, Seeds.initSeed(spec.seed(), shard));
      firstStage = 1;
      parent = null;
    } else {
      checkResumePoint(resumeFrom, order, sliceHashes);
      model = resumeFrom.model();
      firstStage = resumeFrom.provenance().stage() + 1;
      parent = resumeFrom.provenance().zipSha256();
    }
    String backend = NativeRuntime.backendName();
    String device = NativeRuntime.deviceName();
    List<Provenance> checkpoints = new ArrayList<>();
    List<SliceMetrics> metrics = new ArrayList<>();
    NativeGarbage garbage = NativeGarbage.ofThisProcess(nativeGarbageLimitBytes);
    for (int stage = firstStage; stage <= numSlices; stage++) {
      long started = System.nanoTime();
      List<Integer> prefix = order.prefix(stage);
      List<SliceData> stageSlices = new ArrayList<>(stage);
      List<String> stageHashes = new ArrayList<>(stage);
      for (int slice : prefix) {
        stageSlices.add(slices.get(slice));
        stageHashes.add(sliceHashes.get(slice));
      }
      StageExamples examples = new StageExamples(stageSlices, spec.numFeatures(), spec.numClasses());
      double loss = trainStage(model, examples, prefix, garbage);
      double accuracy = examples.size() == 0 ? Double.NaN : accuracy(model, stageSlices);
      double seconds = (System.nanoTime() - started) / 1e9;

      EncodedCheckpoint checkpoint = CheckpointCodec.encode(model);
      Provenance provenance = new Provenance(Provenance.formatVersionFor(prefix), shard, stage - 1, parent,
          RecordIds.sha256OfSorted(examples.recordIds()), stageHashes, examples.size(), configHash, specJson,
          spec.seed(), nativeThreads, backend, device, libraryVersions,
          DateTimeFormatter.ISO_INSTANT.format(clock.instant()), checkpoint.sha256(), seconds, loss, accuracy,
          prefix);
      sink.accept(checkpoint, provenance);
      checkpoints.add(provenance);
      metrics.add(new SliceMetrics(shard, stage - 1, spec.epochsPerSlice(numSlices), examples.size(), loss,
          accuracy, seconds));
      logStage(order, stage, examples.size(), seconds, loss, accuracy);
      parent = checkpoint.sha256();
    }
    return new TrainingResult(checkpoints, metrics, model);
  }

  /** Runs one stage's epochs; returns the mean minibatch loss of the last epoch, NaN if there was nothing to fit. */
  private double trainStage(MultiLayerNetwork model, StageExamples examples, List<Integer> orderPrefix,
      NativeGarbage garbage) {
    int epochs = spec.epochsPerSlice(numSlices);
    int batchSize = spec.batchSize();
    int numFeatures = spec.numFeatures();
    int numClasses = spec.numClasses();
    double lastEpochLoss = Double.NaN;
    for (int epoch = 0; epoch < epochs; epoch++) {
      long epochSeed = Seeds.epochSeed(spec.seed(), shard, orderPrefix, epoch);
      Nd4j.getRandom().setSeed(epochSeed);
      int[] order = examples.epochOrder(epochSeed);
      double lossSum = 0;
      int batches = 0;
      for (int from = 0; from < order.length; from += batchSize) {
        int count = Math.min(batchSize, order.length - from);
        float[] features = new float[count * numFeatures];
        float[] labels = new float[count * numClasses];
        examples.fillBatch(order, from, count, features, labels);
        model.fit(Matrices.rowMajor(features, 0, count, numFeatures),
            Matrices.rowMajor(labels, 0, count, numClasses));
        lossSum += model.score();
        batches++;
        garbage.afterStep();
      }
      if (batches > 0) {
        lastEpochLoss = lossSum / batches;
      }
      // Counted even over zero examples, so a checkpoint's epoch count always equals (slice + 1) * epochs per
      // slice: resume can check it, and an empty stage's checkpoint differs from its parent's.
      model.incrementEpochCount();
    }
    return lastEpochLoss;
  }

  private double accuracy(MultiLayerNetwork model, List<SliceData> stageSlices) {
    long correct = 0;
    long total = 0;
    for (SliceData slice : stageSlices) {
      float[][] probabilities = Scoring.predictProbabilities(model, slice.features(), slice.size(),
          spec.numFeatures(), spec.batchSize());
      for (int row = 0; row < slice.size(); row++) {
        if (Scoring.argmax(probabilities[row]) == slice.labels()[row]) {
          correct++;
        }
      }
      total += slice.size();
    }
    return (double) correct / total;
  }

  private void logStage(SliceOrder order, int stage, long examples, double seconds, double loss, double accuracy) {
    // The natural order keeps SISA's wording, which operators (and the cluster IT) know.
    String where = order.isNatural()
        ? String.format(Locale.ROOT, "shard %d slice %d/%d", shard, stage - 1, numSlices)
        : String.format(Locale.ROOT, "shard %d order %s stage %d/%d", shard, order, stage, numSlices);
    if (examples == 0) {
      LOG.info(String.format(Locale.ROOT, "%s has no examples yet; checkpointed the untrained model in %.1f s",
          where, seconds));
    } else {
      LOG.info(String.format(Locale.ROOT, "%s trained on %d examples in %.1f s, loss %.3f, train accuracy %.3f",
          where, examples, seconds, loss, accuracy));
    }
  }

  private void checkSlices(List<SliceData> slices) {
    if (slices.size() != numSlices) {
      throw new IllegalArgumentException("shard " + shard + " got " + slices.size() + " slices but numSlices is "
          + numSlices + "; pass every slice 0.." + (numSlices - 1) + ", empty ones as SliceData.empty(i)");
    }
    Map<String, Integer> sliceOfId = new HashMap<>();
    for (int s = 0; s < numSlices; s++) {
      SliceData slice = slices.get(s);
      if (slice.slice() != s) {
        throw new IllegalArgumentException("shard " + shard + " got slice " + slice.slice() + " at position "
            + s + "; pass the slices in order 0.." + (numSlices - 1));
      }
      long expectedValues = (long) slice.size() * spec.numFeatures();
      if (slice.features().length != expectedValues) {
        throw new IllegalArgumentException("shard " + shard + " slice " + s + " has " + slice.features().length
            + " feature values for " + slice.size() + " rows, but the spec's numFeatures "
            + spec.numFeatures() + " needs " + expectedValues);
      }
      for (int row = 0; row < slice.size(); row++) {
        int label = slice.labels()[row];
        if (label < 0 || label >= spec.numClasses()) {
          throw new IllegalArgumentException("shard " + shard + " slice " + s + " record '"
              + slice.recordIds().get(row) + "' has label " + label + ", outside 0.."
              + (spec.numClasses() - 1) + " for numClasses " + spec.numClasses());
        }
        Integer earlier = sliceOfId.put(slice.recordIds().get(row), s);
        if (earlier != null) {
          throw new IllegalArgumentException("shard " + shard + " holds record id '"
              + slice.recordIds().get(row) + "' twice (slices " + earlier + " and " + s
              + "); record ids must be unique, or deleting one could not name what to forget");
        }
      }
    }
  }

  private void checkResumePoint(ResumePoint resumeFrom, SliceOrder order, List<String> sliceHashes) {
    Provenance provenance = resumeFrom.provenance();
    String name = "Resume checkpoint " + provenance.zipSha256();
    if (provenance.shard() != shard) {
      throw new IllegalArgumentException(name + " belongs to shard " + provenance.shard() + ", not shard "
          + shard + "; resume each shard from its own checkpoints");
    }
    if (provenance.stage() > numSlices) {
      throw new IllegalArgumentException(name + " is of slice " + provenance.slice() + " but numSlices is "
          + numSlices + "; resume with the numSlices it was trained with");
    }
    if (!configHash.equals(provenance.configHash())) {
      throw new IllegalArgumentException(name + " was trained with config " + provenance.configHash()
          + " but this trainer's spec hashes to " + configHash
          + "; resume only with the same model spec, or retrain the shard from scratch");
    }
    List<Integer> prefix = order.prefix(provenance.stage());
    if (!provenance.trainedSlices().equals(prefix)) {
      throw new IllegalArgumentException(name + " trained on slices " + provenance.trainedSlices()
          + " in that order, which is not a prefix of order " + order
          + "; resume an order only from one of its own stages");
    }
    for (int i = 0; i < prefix.size(); i++) {
      int s = prefix.get(i);
      String seen = i < provenance.sliceRecordIdsSha256().size() ? provenance.sliceRecordIdsSha256().get(i) : null;
      if (!sliceHashes.get(s).equals(seen)) {
        throw new IllegalArgumentException(name + " saw slice " + s + " records hashing to " + seen
            + " but the given slice " + s + " hashes to " + sliceHashes.get(s)
            + "; resume from the checkpoint of an earlier, unchanged slice, or retrain from scratch");
      }
    }
    int expectedEpochs = provenance.stage() * spec.epochsPerSlice(numSlices);
    int epochs = resumeFrom.model().getEpochCount();
    if (epochs != expectedEpochs) {
      throw new IllegalArgumentException(name + " has trained " + epochs + " epochs, but with numSlices "
          + numSlices + " a checkpoint of slice " + provenance.slice() + " has trained " + expectedEpochs
          + "; resume with the numSlices it was trained with");
    }
  }

  /** Configures a {@link ShardTrainer}. */
  public static final class Builder {
    private ModelSpec spec;
    private Integer shard;
    private Integer numSlices;
    private Integer nativeThreads;
    private Map<String, String> libraryVersions;
    private String openblasCoretype = NativeRuntime.DEFAULT_OPENBLAS_CORETYPE;
    private long nativeGarbageLimitBytes;
    private Clock clock = Clock.systemUTC();

    private Builder() {
    }

    /** The model to train; required. */
    public Builder spec(ModelSpec spec) {
      this.spec = spec;
      return this;
    }

    /** Index of the shard, >= 0; required. Enters every seed. */
    public Builder shard(int shard) {
      this.shard = shard;
      return this;
    }

    /** Number of slices the shard is cut into, >= 1; required. */
    public Builder numSlices(int numSlices) {
      this.numSlices = numSlices;
      return this;
    }

    /** Native threads to pin ND4J to; default {@link NativeRuntime#configuredThreads()}. */
    public Builder nativeThreads(int nativeThreads) {
      this.nativeThreads = nativeThreads;
      return this;
    }

    /** Library versions recorded in provenance; default (or null) {@link LibraryVersions#detect()}. */
    public Builder libraryVersions(Map<String, String> libraryVersions) {
      this.libraryVersions = libraryVersions;
      return this;
    }

    /**
     * The CPU whose OpenBLAS kernels training must run ({@link NativeRuntime#requireOpenblasCoretype}); default
     * {@link NativeRuntime#DEFAULT_OPENBLAS_CORETYPE}; blank (or null) accepts this machine's own.
     */
    public Builder openblasCoretype(String openblasCoretype) {
      this.openblasCoretype = openblasCoretype == null ? "" : openblasCoretype;
      return this;
    }

    /**
     * How far the process's resident size may grow while training before a garbage collection is asked for, so
     * that ND4J frees the off-heap buffers of its garbage ({@link NativeGarbage}); default 0, no such collections.
     */
    public Builder nativeGarbageLimitBytes(long nativeGarbageLimitBytes) {
      this.nativeGarbageLimitBytes = nativeGarbageLimitBytes;
      return this;
    }

    /** Clock for provenance timestamps; default the system UTC clock. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** @throws IllegalArgumentException naming the missing or invalid setting */
    public ShardTrainer build() {
      if (spec == null) {
        throw new IllegalArgumentException("ShardTrainer needs a spec; call spec(ModelSpec) first");
      }
      if (shard == null || shard < 0) {
        throw new IllegalArgumentException("ShardTrainer needs shard >= 0, got " + shard);
      }
      if (numSlices == null || numSlices < 1) {
        throw new IllegalArgumentException("ShardTrainer needs numSlices >= 1, got " + numSlices);
      }
      if (nativeThreads != null && nativeThreads < 1) {
        throw new IllegalArgumentException("ShardTrainer needs nativeThreads >= 1, got " + nativeThreads);
      }
      if (nativeGarbageLimitBytes < 0) {
        throw new IllegalArgumentException("ShardTrainer needs nativeGarbageLimitBytes >= 0 (0 = off), got "
            + nativeGarbageLimitBytes);
      }
      if (clock == null) {
        throw new IllegalArgumentException("ShardTrainer needs a clock, got null");
      }
      return new ShardTrainer(this);
    }
  }
}
