package io.lethe.jobs.config;

/**
 * Names of every Lethe setting. Their defaults and documentation live in {@code conf/application.conf}; jobs never
 * read these keys themselves but receive a resolved {@link LetheSettings}.
 */
public final class ConfigKeys {
  public static final String ROOT = "lethe";

  public static final String STORE_ROOT = "lethe.store.root";
  public static final String STORE_ALLOW_NON_ATOMIC_RENAME = "lethe.store.allow-non-atomic-rename";

  public static final String DATA_SOURCE = "lethe.data.source";
  public static final String DATA_INPUTS = "lethe.data.inputs";
  public static final String DATA_TEST_INPUTS = "lethe.data.test-inputs";
  public static final String DATA_ID_COLUMN = "lethe.data.id-column";
  public static final String DATA_SUBJECT_COLUMN = "lethe.data.subject-column";
  public static final String DATA_DELETION_PRIOR_COLUMN = "lethe.data.deletion-prior-column";
  public static final String DATA_LABEL_COLUMN = "lethe.data.label-column";
  public static final String DATA_FEATURE_COLUMNS = "lethe.data.feature-columns";
  public static final String DATA_FEATURE_SCALE = "lethe.data.feature-scale";
  public static final String DATA_SHARDS = "lethe.data.shards";
  public static final String DATA_SLICES = "lethe.data.slices";
  public static final String DATA_STRATEGY = "lethe.data.strategy";
  public static final String DATA_SALT = "lethe.data.salt";
  public static final String DATA_SEED = "lethe.data.seed";

  public static final String MODEL_ARCHITECTURE = "lethe.model.architecture";
  public static final String MODEL_HIDDEN_LAYERS = "lethe.model.hidden-layers";
  public static final String MODEL_LEARNING_RATE = "lethe.model.learning-rate";
  public static final String MODEL_L2 = "lethe.model.l2";
  public static final String MODEL_DROPOUT = "lethe.model.dropout";
  public static final String MODEL_BATCH_SIZE = "lethe.model.batch-size";
  public static final String MODEL_EPOCHS = "lethe.model.epochs";
  public static final String MODEL_SEED = "lethe.model.seed";
  public static final String MODEL_IMAGE_HEIGHT = "lethe.model.image.height";
  public static final String MODEL_IMAGE_WIDTH = "lethe.model.image.width";
  public static final String MODEL_IMAGE_CHANNELS = "lethe.model.image.channels";
  public static final String MODEL_SEQUENCES = "lethe.model.sequences";
  public static final String MODEL_SEQUENCE_SELECTION = "lethe.model.sequence-selection";
  public static final String MODEL_BIPARTITE_EXPONENT = "lethe.model.bipartite-exponent";

  public static final String TRAINING_NATIVE_THREADS = "lethe.training.native-threads";
  public static final String TRAINING_PARALLEL_SHARDS = "lethe.training.parallel-shards";
  public static final String TRAINING_OPENBLAS_CORETYPE = "lethe.training.openblas-coretype";
  public static final String TRAINING_NATIVE_GARBAGE_LIMIT = "lethe.training.native-garbage-limit";

  public static final String FORGET_MEMBERSHIP_AUDIT = "lethe.forget.membership-audit";
  public static final String FORGET_RETRAIN = "lethe.forget.retrain";
  public static final String FORGET_MIN_SERVED_SLICES = "lethe.forget.min-served-slices";
  public static final String FORGET_MIN_SERVED_ROW_FRACTION = "lethe.forget.min-served-row-fraction";
  public static final String FORGET_MAX_DRIVER_RECORD_IDS = "lethe.forget.max-driver-record-ids";
  public static final String FORGET_INDEX_LOOKUP_MAX_IDS = "lethe.forget.index-lookup-max-ids";
  public static final String FORGET_LOCAL_REWRITE_MAX_BYTES = "lethe.forget.local-rewrite-max-bytes";

  public static final String PREDICT_AGGREGATION = "lethe.predict.aggregation";
  public static final String PREDICT_BATCH_SIZE = "lethe.predict.batch-size";
  public static final String PREDICT_INCLUDE_PROBABILITIES = "lethe.predict.include-probabilities";

  public static final String SPARK_MASTER = "lethe.spark.master";
  public static final String SPARK_APP_NAME = "lethe.spark.app-name";
  /** A free-form object of Spark properties, passed through as they are. */
  public static final String SPARK_CONF = "lethe.spark.conf";

  private ConfigKeys() {}
}
