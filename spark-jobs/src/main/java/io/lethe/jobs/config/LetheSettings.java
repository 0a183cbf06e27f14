package io.lethe.jobs.config;

import io.lethe.models.Aggregation;
import io.lethe.models.Architecture;
import io.lethe.models.ModelSpec;
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
   */
  public record TrainingSettings(int nativeThreads, int parallelShards) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** The same settings with other forget settings. */
  public LetheSettings withForget(ForgetSettings other) {
    return new LetheSettings(store, data, model, training, other, predict, spark);
  }

  /**
   * How forget batches run.
   *
   * @param membershipAudit whether a batch's report scores the forgotten rows with a membership-inference attack
   *     before and after (off by default: it scores samples with the old and the clean generations while the
   *     rows still exist, which delays the data rewrite and republishing)
   */
  public record ForgetSettings(boolean membershipAudit) implements Serializable {
    private static final long serialVersionUID = 1L;
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
