package io.lethe.prep;

import io.lethe.store.DataManifest.DataSettings;
import java.util.List;

/**
 * Builds the {@link DataSettings} of a prepare run, starting from one source and filling every setting not given
 * with the default declared here.
 */
public final class DataSettingsBuilder {
  public static final int DEFAULT_NUM_SHARDS = 8;
  public static final int DEFAULT_NUM_SLICES = 4;
  public static final String DEFAULT_STRATEGY = ShardAssigner.SUBJECT_HASH;
  public static final String DEFAULT_SALT = "lethe";
  public static final long DEFAULT_SEED = 42L;
  /** Label column of CSV and Parquet inputs unless set. */
  public static final String DEFAULT_LABEL_COLUMN = "label";
  /** IDX pixels are bytes 0..255, scaled to [0, 1]. */
  public static final double IDX_FEATURE_SCALE = 1.0 / 255;
  /** CSV and Parquet features are taken as they are. */
  public static final double TABLE_FEATURE_SCALE = 1.0;

  private final String source;
  private List<String> inputs;
  private List<String> testInputs = List.of();
  private String strategy = DEFAULT_STRATEGY;
  private int numShards = DEFAULT_NUM_SHARDS;
  private int numSlices = DEFAULT_NUM_SLICES;
  private String salt = DEFAULT_SALT;
  private long seed = DEFAULT_SEED;
  private String idColumn;
  private String subjectColumn;
  private String labelColumn;
  private List<String> featureColumns = List.of();
  private double featureScale;
  private String deletionPriorColumn;

  private DataSettingsBuilder(String source, List<String> inputs, String labelColumn, double featureScale) {
    this.source = source;
    this.inputs = List.copyOf(inputs);
    this.labelColumn = labelColumn;
    this.featureScale = featureScale;
  }

  /** Fashion-MNIST from its Debian location (or {@value FashionMnist#DIR_ENV}) with every default. */
  public static DataSettings fashionMnistDefaults(int numShards, int numSlices) {
    return fashionMnist().numShards(numShards).numSlices(numSlices).build();
  }

  /** Fashion-MNIST, train and t10k files; {@link #inputs} may name its directory instead of the default one. */
  public static DataSettingsBuilder fashionMnist() {
    return new DataSettingsBuilder(InputLoader.FASHION_MNIST, List.of(), null, IDX_FEATURE_SCALE);
  }

  /** A pair of IDX files; {@link #testInputs} may name the test split's pair. */
  public static DataSettingsBuilder idx(String images, String labels) {
    return new DataSettingsBuilder(InputLoader.IDX, List.of(images, labels), null, IDX_FEATURE_SCALE);
  }

  /** CSV files with a header line; without {@link #featureColumns}, every column but id, subject and label. */
  public static DataSettingsBuilder csv(List<String> inputs) {
    return new DataSettingsBuilder(InputLoader.CSV, inputs, DEFAULT_LABEL_COLUMN, TABLE_FEATURE_SCALE);
  }

  /** Parquet files or directories; without {@link #featureColumns}, every column but id, subject and label. */
  public static DataSettingsBuilder parquet(List<String> inputs) {
    return new DataSettingsBuilder(InputLoader.PARQUET, inputs, DEFAULT_LABEL_COLUMN, TABLE_FEATURE_SCALE);
  }

  /** The training input paths (for Fashion-MNIST: at most one, its directory). */
  public DataSettingsBuilder inputs(List<String> value) {
    inputs = List.copyOf(value);
    return this;
  }

  /** The test split's input paths; empty for no test split. */
  public DataSettingsBuilder testInputs(List<String> value) {
    testInputs = List.copyOf(value);
    return this;
  }

  /** One of {@link ShardAssigner#STRATEGIES}. */
  public DataSettingsBuilder strategy(String value) {
    strategy = value;
    return this;
  }

  /** How many shards, hence models, the training rows are split into. */
  public DataSettingsBuilder numShards(int value) {
    numShards = value;
    return this;
  }

  /** How many ordered slices each shard is split into; a shard trains slice by slice. */
  public DataSettingsBuilder numSlices(int value) {
    numSlices = value;
    return this;
  }

  /** Salt of the subject-hash strategy: a different salt gives a different, equally even assignment. */
  public DataSettingsBuilder salt(String value) {
    salt = value;
    return this;
  }

  /** Seed of the random strategy. */
  public DataSettingsBuilder seed(long value) {
    seed = value;
    return this;
  }

  /** Column holding unique record ids; without one, ids are derived from label and features. */
  public DataSettingsBuilder idColumn(String value) {
    idColumn = value;
    return this;
  }

  /** Column holding the data subject of each row; without one, every row is its own subject. */
  public DataSettingsBuilder subjectColumn(String value) {
    subjectColumn = value;
    return this;
  }

  /** Column holding each row's integer class label, 0 upwards. */
  public DataSettingsBuilder labelColumn(String value) {
    labelColumn = value;
    return this;
  }

  /**
   * Numeric feature columns in order, or (Parquet) one column holding an array of numbers; empty (the default)
   * means every column but the id, subject and label columns, in the file's order.
   */
  public DataSettingsBuilder featureColumns(List<String> value) {
    featureColumns = List.copyOf(value);
    return this;
  }

  /** Factor every feature is multiplied by. */
  public DataSettingsBuilder featureScale(double value) {
    featureScale = value;
    return this;
  }

  /**
   * Column holding each row's deletion probability in [0, 1] (csv/parquet): subjects likely to be deleted go to
   * later slices of their shard, and the manifest records each slice's prior sum. Null (the default) for none.
   */
  public DataSettingsBuilder deletionPriorColumn(String value) {
    deletionPriorColumn = value;
    return this;
  }

  /** The settings as given so far, defaults for the rest. */
  public DataSettings build() {
    return new DataSettings(source, inputs, testInputs, strategy, numShards, numSlices, salt, seed, idColumn,
        subjectColumn, labelColumn, featureColumns, featureScale, deletionPriorColumn);
  }
}
