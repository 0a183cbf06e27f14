package io.lethe.jobs.config;

import io.lethe.models.Aggregation;
import io.lethe.models.Architecture;
import io.lethe.models.ModelSpec;
import io.lethe.models.SequenceSelection;
import io.lethe.models.ShardTrainer;
import io.lethe.store.DataManifest;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Every setting of one Lethe run, resolved and validated once (see {@link SettingsLoader} for the order of
 * sources). Immutable; jobs take what they need from here and never read raw keys.
 */
public record LetheSettings(
    StoreSettings store,
    DataManifest.DataSettings data,
    ModelSettings model,
    TrainingSettings training,
    SequenceSettings sequences,
    ForgetSettings forget,
    PredictSettings predict,
    SparkSettings spark) implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Where the store is and whether a non-atomic file system is acceptable. */
  public record StoreSettings(String root, boolean allowNonAtomicRename) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** The model to train, except the input and output sizes, which come from the prepared data. */
  public record ModelSettings(
      Architecture architecture,
      List<Integer> hiddenLayers,
      double learningRate,
      double l2,
      double dropout,
      int batchSize,
      int epochs,
      long seed,
      int imageHeight,
      int imageWidth,
      int imageChannels) implements Serializable {
    private static final long serialVersionUID = 1L;

    public ModelSettings {
      hiddenLayers = List.copyOf(hiddenLayers);
    }

    /** The full model spec for data with {@code numFeatures} inputs and {@code numClasses} labels. */
    public ModelSpec toSpec(int numFeatures, int numClasses) {
      return ModelSpec.builder()
          .architecture(architecture)
          .numFeatures(numFeatures)
          .numClasses(numClasses)
          .hiddenLayers(hiddenLayers)
          .imageHeight(imageHeight)
          .imageWidth(imageWidth)
          .imageChannels(imageChannels)
          .learningRate(learningRate)
          .l2(l2)
          .dropout(dropout)
          .batchSize(batchSize)
          .epochs(epochs)
          .seed(seed)
          .build();
    }
  }

  /**
   * How shards are trained.
   *
   * @param nativeThreads OpenMP/BLAS threads per training task; model bits depend on it
   * @param parallelShards shards trained at once (0 = all)
   * @param openblasCoretype the CPU whose OpenBLAS kernels training runs (model bits depend on them); blank accepts
   *     each machine's own
   * @param nativeGarbageLimitBytes how far a training process's resident size may grow before a garbage collection
   *     lets ND4J free its garbage's off-heap buffers (0 = never asked for)
   */
  public record TrainingSettings(int nativeThreads, int parallelShards, String openblasCoretype,
      long nativeGarbageLimitBytes)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    /** {@code builder} with these native threads, OpenBLAS kernels and native garbage limit. */
    public ShardTrainer.Builder applyTo(ShardTrainer.Builder builder) {
      return builder.nativeThreads(nativeThreads).openblasCoretype(openblasCoretype)
          .nativeGarbageLimitBytes(nativeGarbageLimitBytes);
    }
  }

  /** The same settings with other training settings (benchmarks vary the parallelism). */
  public LetheSettings withTraining(TrainingSettings other) {
    return new LetheSettings(store, data, model, other, sequences, forget, predict, spark);
  }

  /** The same settings with other sequence settings. */
  public LetheSettings withSequences(SequenceSettings other) {
    return new LetheSettings(store, data, model, training, other, forget, predict, spark);
  }

  /** The same settings with other forget settings. */
  public LetheSettings withForget(ForgetSettings other) {
    return new LetheSettings(store, data, model, training, sequences, other, predict, spark);
  }

  /**
   * The slice orders each shard is trained in (S3T's sequences); one sequence is SISA.
   *
   * @param count B, the orders per shard, 1..slices
   * @param selection {@code cyclic} (rotations) or {@code bipartite} (S3T's selection from deletion priors)
   * @param bipartiteExponent t of the bipartite score sum n * (1 - c_n)^t: the deletions it plans for
   */
  public record SequenceSettings(int count, SequenceSelection.Strategy selection, double bipartiteExponent)
      implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * How forget batches run and end.
   *
   * @param membershipAudit whether a batch's report scores the forgotten rows with a membership-inference attack
   *     before and after (off by default: it scores samples with the old and the clean generations while the
   *     rows still exist, which delays the data rewrite and republishing)
   * @param retrain {@code IMMEDIATE}: a batch retrains the affected shards before it completes (SISA);
   *     {@code DEFERRED}: it completes serving the deactivated prefixes, and shards retrain when a threshold is
   *     crossed or on {@code lethe retrain}
   * @param minServedSlices a shard whose served prefix has fewer slices is retrained (deferred mode)
   * @param minServedRowFraction the ensemble is retrained when it serves less than this fraction of the training
   *     rows (deferred mode)
   * @param maxDriverRecordIds the most deleted record ids the driver holds at once when the purge and verify compare
   *     them with the record-id sets; more are compared in rounds
   * @param indexLookupMaxIds a batch of at most this many requests is routed by lookups in the data version's id
   *     index in the driver; a larger one by a Spark join with the index
   * @param localRewriteMaxBytes a partition whose rows take at most this much driver heap is rewritten without
   *     its deleted rows in the driver, without Spark; a larger one by a Spark job
   */
  public record ForgetSettings(boolean membershipAudit, RetrainMode retrain, int minServedSlices,
      double minServedRowFraction, long maxDriverRecordIds, int indexLookupMaxIds, long localRewriteMaxBytes)
      implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** When a forget batch retrains. */
  public enum RetrainMode {
    IMMEDIATE, DEFERRED;

    public String configName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static RetrainMode parse(String name) {
      for (RetrainMode mode : values()) {
        if (mode.configName().equals(name)) {
          return mode;
        }
      }
      throw new IllegalArgumentException("unknown retrain mode '" + name + "'; use immediate or deferred");
    }
  }

  /** How the ensemble scores rows. */
  public record PredictSettings(Aggregation aggregation, int batchSize, boolean includeProbabilities)
      implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * The Spark session to use when the job is not launched by spark-submit.
   *
   * @param conf Spark properties applied unless spark-submit already set them
   */
  public record SparkSettings(String master, String appName, Map<String, String> conf) implements Serializable {
    private static final long serialVersionUID = 1L;

    public SparkSettings {
      conf = Map.copyOf(conf);
    }
  }
}
