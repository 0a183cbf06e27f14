package io.lethe.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.lethe.models.Aggregation;
import io.lethe.models.Architecture;
import io.lethe.models.SequenceSelection;
import io.lethe.prep.DataSettingsBuilder;
import io.lethe.store.DataManifest.DataSettings;
import java.io.File;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Resolves {@link LetheSettings}. Sources, later ones winning: the packaged defaults ({@code conf/application.conf}),
 * a {@code --config} file, JVM system properties under {@code lethe.}, then {@code --set key=value} overrides
 * (command-line options such as {@code --store} are turned into such overrides by the CLI). A key that the
 * defaults do not know is an error, so a typo never silently falls back to a default.
 */
public final class SettingsLoader {
  /** Classpath location of the packaged defaults (a copy of conf/application.conf). */
  public static final String DEFAULTS_RESOURCE = "io/lethe/conf/application.conf";

  private SettingsLoader() {}

  /**
   * Loads and validates the settings.
   *
   * @param configFile a HOCON file with overrides, or null
   * @param overrides {@code key=value} pairs, highest precedence last
   */
  public static LetheSettings load(File configFile, List<String> overrides) {
    Config defaults = ConfigFactory.parseResources(SettingsLoader.class.getClassLoader(), DEFAULTS_RESOURCE);
    if (!defaults.hasPath(ConfigKeys.ROOT)) {
      throw new SettingsException("The packaged defaults " + DEFAULTS_RESOURCE + " are missing from the classpath;"
          + " the Lethe jar is incomplete. Rebuild it with `mvn package`.");
    }
    Config merged = defaults;
    if (configFile != null) {
      if (!configFile.isFile()) {
        throw new SettingsException("Config file " + configFile + " does not exist or is not a file.");
      }
      Config file = parse(() -> ConfigFactory.parseFile(configFile), "config file " + configFile);
      checkKnown(file, defaults, "config file " + configFile);
      merged = file.withFallback(merged);
    }
    // Read afresh on every load: ConfigFactory.systemProperties() is cached for the life of the JVM.
    Config system = ConfigFactory.parseProperties(System.getProperties());
    if (system.hasPath(ConfigKeys.ROOT)) {
      Config lethe = system.withOnlyPath(ConfigKeys.ROOT);
      checkKnown(lethe, defaults, "system properties");
      merged = lethe.withFallback(merged);
    }
    for (String override : overrides) {
      Config one = parseOverride(override);
      checkKnown(one, defaults, "--set " + override);
      merged = one.withFallback(merged);
    }
    return resolve(parse(merged::resolve, "the merged settings"));
  }

  /** Loads the defaults with the given overrides only (tests and embedding). */
  public static LetheSettings load(List<String> overrides) {
    return load(null, overrides);
  }

  private static Config parseOverride(String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new SettingsException("Override '" + override + "' is not of the form key=value,"
          + " e.g. --set lethe.data.shards=16");
    }
    String key = override.substring(0, eq).trim();
    String value = override.substring(eq + 1).trim();
    if (!key.startsWith(ConfigKeys.ROOT + ".")) {
      throw new SettingsException("Override '" + override + "' sets '" + key + "', which is not a Lethe setting;"
          + " Lethe settings start with 'lethe.' (Spark properties go in lethe.spark.conf or spark-submit --conf).");
    }
    // Quoted strings, lists and objects are HOCON; bare values such as URIs (file:///x, where // would start a
    // HOCON comment) are taken as plain strings when they are not valid HOCON values.
    boolean structured = value.startsWith("\"") || value.startsWith("[") || value.startsWith("{");
    if (!structured && (value.contains("//") || value.contains(":"))) {
      return ConfigFactory.empty().withValue(key, ConfigValueFactory.fromAnyRef(value));
    }
    try {
      return ConfigFactory.parseString(key + " = " + value);
    } catch (ConfigException e) {
      if (structured) {
        throw new SettingsException("Override '" + override + "' is not valid HOCON: " + e.getMessage(), e);
      }
      return ConfigFactory.empty().withValue(key, ConfigValueFactory.fromAnyRef(value));
    }
  }

  private static void checkKnown(Config given, Config defaults, String source) {
    for (Map.Entry<String, ConfigValue> entry : given.entrySet()) {
      String key = entry.getKey();
      if (key.startsWith(ConfigKeys.SPARK_CONF + ".") || defaults.hasPathOrNull(key)) {
        continue;
      }
      throw new SettingsException("Unknown setting '" + key + "' (from " + source + ")."
          + closestKnown(key, defaults) + " All settings are listed in conf/application.conf.");
    }
  }

  private static String closestKnown(String key, Config defaults) {
    return defaults.entrySet().stream()
        .map(Map.Entry::getKey)
        .filter(k -> !k.startsWith(ConfigKeys.SPARK_CONF + "."))
        .min(Comparator.comparingInt(k -> editDistance(k, key)))
        .filter(k -> editDistance(k, key) <= 3)
        .map(k -> " Did you mean '" + k + "'?")
        .orElse("");
  }

  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      int[] current = new int[b.length() + 1];
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      previous = current;
    }
    return previous[b.length()];
  }

  private static Config parse(java.util.function.Supplier<Config> parser, String what) {
    try {
      return parser.get();
    } catch (ConfigException e) {
      throw new SettingsException("Cannot read " + what + ": " + e.getMessage(), e);
    }
  }

  static LetheSettings resolve(Config c) {
    try {
      return new LetheSettings(
          new LetheSettings.StoreSettings(
              c.getString(ConfigKeys.STORE_ROOT), c.getBoolean(ConfigKeys.STORE_ALLOW_NON_ATOMIC_RENAME)),
          dataSettings(c),
          modelSettings(c),
          trainingSettings(c),
          sequenceSettings(c),
          forgetSettings(c),
          new LetheSettings.PredictSettings(
              parseEnum(() -> Aggregation.parse(c.getString(ConfigKeys.PREDICT_AGGREGATION)),
                  ConfigKeys.PREDICT_AGGREGATION),
              positive(c, ConfigKeys.PREDICT_BATCH_SIZE),
              c.getBoolean(ConfigKeys.PREDICT_INCLUDE_PROBABILITIES)),
          new LetheSettings.SparkSettings(
              c.getString(ConfigKeys.SPARK_MASTER), c.getString(ConfigKeys.SPARK_APP_NAME), sparkConf(c)));
    } catch (ConfigException e) {
      throw new SettingsException("Invalid setting: " + e.getMessage(), e);
    }
  }

  private static DataSettings dataSettings(Config c) {
    String source = c.getString(ConfigKeys.DATA_SOURCE);
    Set<String> sources = Set.of("fashion-mnist", "idx", "csv", "parquet");
    if (!sources.contains(source)) {
      throw new SettingsException(ConfigKeys.DATA_SOURCE + " is '" + source + "'; valid sources are "
          + new TreeSet<>(sources) + ".");
    }
    String strategy = c.getString(ConfigKeys.DATA_STRATEGY);
    if (!strategy.equals("subject-hash") && !strategy.equals("random")) {
      throw new SettingsException(ConfigKeys.DATA_STRATEGY + " is '" + strategy
          + "'; valid strategies are subject-hash and random.");
    }
    double scale = featureScale(c.getString(ConfigKeys.DATA_FEATURE_SCALE), source);
    return new DataSettings(
        source,
        c.getStringList(ConfigKeys.DATA_INPUTS),
        c.getStringList(ConfigKeys.DATA_TEST_INPUTS),
        strategy,
        positive(c, ConfigKeys.DATA_SHARDS),
        positive(c, ConfigKeys.DATA_SLICES),
        c.getString(ConfigKeys.DATA_SALT),
        c.getLong(ConfigKeys.DATA_SEED),
        emptyToNull(c.getString(ConfigKeys.DATA_ID_COLUMN)),
        emptyToNull(c.getString(ConfigKeys.DATA_SUBJECT_COLUMN)),
        c.getString(ConfigKeys.DATA_LABEL_COLUMN),
        c.getStringList(ConfigKeys.DATA_FEATURE_COLUMNS),
        scale,
        emptyToNull(c.getString(ConfigKeys.DATA_DELETION_PRIOR_COLUMN)));
  }

  private static double featureScale(String value, String source) {
    if (value.equals("auto")) {
      return source.equals("fashion-mnist") || source.equals("idx")
          ? DataSettingsBuilder.IDX_FEATURE_SCALE
          : DataSettingsBuilder.TABLE_FEATURE_SCALE;
    }
    double scale;
    try {
      scale = Double.parseDouble(value);
    } catch (NumberFormatException e) {
      scale = Double.NaN;
    }
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new SettingsException(ConfigKeys.DATA_FEATURE_SCALE + " must be auto or a positive number, got '"
          + value + "'");
    }
    return scale;
  }

  private static LetheSettings.ModelSettings modelSettings(Config c) {
    List<Integer> hidden = new ArrayList<>(c.getIntList(ConfigKeys.MODEL_HIDDEN_LAYERS));
    return new LetheSettings.ModelSettings(
        parseEnum(() -> Architecture.parse(c.getString(ConfigKeys.MODEL_ARCHITECTURE)),
            ConfigKeys.MODEL_ARCHITECTURE),
        hidden,
        c.getDouble(ConfigKeys.MODEL_LEARNING_RATE),
        c.getDouble(ConfigKeys.MODEL_L2),
        c.getDouble(ConfigKeys.MODEL_DROPOUT),
        positive(c, ConfigKeys.MODEL_BATCH_SIZE),
        positive(c, ConfigKeys.MODEL_EPOCHS),
        c.getLong(ConfigKeys.MODEL_SEED),
        positive(c, ConfigKeys.MODEL_IMAGE_HEIGHT),
        positive(c, ConfigKeys.MODEL_IMAGE_WIDTH),
        positive(c, ConfigKeys.MODEL_IMAGE_CHANNELS));
  }

  private static LetheSettings.TrainingSettings trainingSettings(Config c) {
    int parallel = c.getInt(ConfigKeys.TRAINING_PARALLEL_SHARDS);
    if (parallel < 0) {
      throw new SettingsException(ConfigKeys.TRAINING_PARALLEL_SHARDS + " must be >= 0 (0 = all shards at once),"
          + " got " + parallel);
    }
    // A size: Typesafe Config refuses a negative one, naming the key.
    long garbageLimit = c.getBytes(ConfigKeys.TRAINING_NATIVE_GARBAGE_LIMIT);
    return new LetheSettings.TrainingSettings(positive(c, ConfigKeys.TRAINING_NATIVE_THREADS), parallel,
        c.getString(ConfigKeys.TRAINING_OPENBLAS_CORETYPE).trim(), garbageLimit);
  }

  private static LetheSettings.SequenceSettings sequenceSettings(Config c) {
    int count = positive(c, ConfigKeys.MODEL_SEQUENCES);
    int slices = positive(c, ConfigKeys.DATA_SLICES);
    if (count > slices) {
      throw new SettingsException(ConfigKeys.MODEL_SEQUENCES + " is " + count + " but a shard has only " + slices
          + " slices (" + ConfigKeys.DATA_SLICES + "); use at most " + slices + " orders per shard.");
    }
    SequenceSelection.Strategy selection = parseEnum(
        () -> SequenceSelection.Strategy.parse(c.getString(ConfigKeys.MODEL_SEQUENCE_SELECTION)),
        ConfigKeys.MODEL_SEQUENCE_SELECTION);
    double exponent = c.getDouble(ConfigKeys.MODEL_BIPARTITE_EXPONENT);
    if (!(exponent > 0) || Double.isInfinite(exponent)) {
      throw new SettingsException(ConfigKeys.MODEL_BIPARTITE_EXPONENT + " must be a number > 0 (the deletions"
          + " the bipartite score plans for, need not be whole), got " + exponent);
    }
    return new LetheSettings.SequenceSettings(count, selection, exponent);
  }

  private static LetheSettings.ForgetSettings forgetSettings(Config c) {
    double fraction = c.getDouble(ConfigKeys.FORGET_MIN_SERVED_ROW_FRACTION);
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new SettingsException(ConfigKeys.FORGET_MIN_SERVED_ROW_FRACTION + " must be between 0 and 1, got "
          + fraction);
    }
    int minSlices = c.getInt(ConfigKeys.FORGET_MIN_SERVED_SLICES);
    if (minSlices < 0) {
      throw new SettingsException(ConfigKeys.FORGET_MIN_SERVED_SLICES + " must be >= 0, got " + minSlices);
    }
    long maxDriverIds = c.getLong(ConfigKeys.FORGET_MAX_DRIVER_RECORD_IDS);
    if (maxDriverIds < 1) {
      throw new SettingsException(ConfigKeys.FORGET_MAX_DRIVER_RECORD_IDS + " must be at least 1, got "
          + maxDriverIds);
    }
    int lookupMaxIds = c.getInt(ConfigKeys.FORGET_INDEX_LOOKUP_MAX_IDS);
    if (lookupMaxIds < 0) {
      throw new SettingsException(ConfigKeys.FORGET_INDEX_LOOKUP_MAX_IDS + " must be >= 0, got " + lookupMaxIds);
    }
    long localRewriteMaxBytes = c.getBytes(ConfigKeys.FORGET_LOCAL_REWRITE_MAX_BYTES);
    if (localRewriteMaxBytes < 0) {
      throw new SettingsException(ConfigKeys.FORGET_LOCAL_REWRITE_MAX_BYTES + " must be >= 0 (0: every rewrite"
          + " by Spark), got " + localRewriteMaxBytes);
    }
    return new LetheSettings.ForgetSettings(
        c.getBoolean(ConfigKeys.FORGET_MEMBERSHIP_AUDIT),
        parseEnum(() -> LetheSettings.RetrainMode.parse(c.getString(ConfigKeys.FORGET_RETRAIN)),
            ConfigKeys.FORGET_RETRAIN),
        minSlices, fraction, maxDriverIds, lookupMaxIds, localRewriteMaxBytes);
  }

  private static Map<String, String> sparkConf(Config c) {
    Map<String, String> conf = new LinkedHashMap<>();
    if (c.hasPath(ConfigKeys.SPARK_CONF)) {
      // Spark property names contain dots: quoted ("spark.x.y" = v) and nested (spark.x.y = v) keys both mean
      // the property spark.x.y.
      for (Map.Entry<String, ConfigValue> e : c.getConfig(ConfigKeys.SPARK_CONF).entrySet()) {
        conf.put(String.join(".", ConfigUtil.splitPath(e.getKey())), String.valueOf(e.getValue().unwrapped()));
      }
    }
    return conf;
  }

  private static int positive(Config c, String key) {
    int value = c.getInt(key);
    if (value <= 0) {
      throw new SettingsException(key + " must be a positive integer, got " + value);
    }
    return value;
  }

  private static <T> T parseEnum(java.util.function.Supplier<T> parser, String key) {
    try {
      return parser.get();
    } catch (IllegalArgumentException e) {
      throw new SettingsException(key + ": " + e.getMessage(), e);
    }
  }

  private static String emptyToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
