package io.lethe.prep;

import io.lethe.store.DataManifest.DataSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/** Loads the train and test splits that data settings name, from whichever source they name, as example inputs. */
public final class InputLoader {
  public static final String FASHION_MNIST = "fashion-mnist";
  public static final String IDX = "idx";
  public static final String CSV = "csv";
  public static final String PARQUET = "parquet";
  /** Every source name this build knows. */
  public static final List<String> SOURCES = List.of(FASHION_MNIST, IDX, CSV, PARQUET);

  private static final String TRAIN_PREFIX = "train";
  private static final String TEST_PREFIX = "test";

  private InputLoader() {}

  /**
   * The training split; with a deletion prior column (csv and parquet only) its rows carry
   * {@link ExampleSchema#DELETION_PRIOR} after the input columns.
   */
  public static ExampleInput loadTrain(SparkSession spark, DataSettings settings) {
    double scale = checkFeatureScale(settings);
    List<String> inputs = listOrEmpty(settings.inputs());
    String source = checkSource(settings);
    if (settings.deletionPriorColumn() != null && (source.equals(FASHION_MNIST) || source.equals(IDX))) {
      throw new InvalidInputException("Source " + source + " has no columns, so it cannot have the deletion prior"
          + " column '" + settings.deletionPriorColumn() + "'; leave deletionPriorColumn empty or use csv/parquet.");
    }
    return switch (checkSource(settings)) {
      case FASHION_MNIST -> {
        Path dir = fashionMnistDirectory(settings);
        yield IdxInput.load(spark, dir.resolve(FashionMnist.TRAIN_IMAGES).toString(),
            dir.resolve(FashionMnist.TRAIN_LABELS).toString(), TRAIN_PREFIX, scale);
      }
      case IDX -> {
        checkIdxPair(inputs, "inputs", false);
        yield IdxInput.load(spark, inputs.get(0), inputs.get(1), TRAIN_PREFIX, scale);
      }
      default -> {
        if (inputs.isEmpty()) {
          throw new InvalidInputException("Source " + settings.source() + " needs at least one path in inputs.");
        }
        yield TableInput.load(spark, settings.source(), inputs, settings);
      }
    };
  }

  /** The test split, if the settings have one: Fashion-MNIST always does, other sources when testInputs is set. */
  public static Optional<ExampleInput> loadTest(SparkSession spark, DataSettings settings) {
    double scale = checkFeatureScale(settings);
    List<String> testInputs = listOrEmpty(settings.testInputs());
    return switch (checkSource(settings)) {
      case FASHION_MNIST -> {
        if (!testInputs.isEmpty()) {
          throw new InvalidInputException("Source " + FASHION_MNIST + " reads its test split from the t10k files;"
              + " leave testInputs empty (got " + testInputs + ").");
        }
        Path dir = fashionMnistDirectory(settings);
        yield Optional.of(IdxInput.load(spark, dir.resolve(FashionMnist.TEST_IMAGES).toString(),
            dir.resolve(FashionMnist.TEST_LABELS).toString(), TEST_PREFIX, scale));
      }
      case IDX -> {
        if (testInputs.isEmpty()) {
          yield Optional.empty();
        }
        checkIdxPair(testInputs, "testInputs", true);
        yield Optional.of(IdxInput.load(spark, testInputs.get(0), testInputs.get(1), TEST_PREFIX, scale));
      }
      default -> testInputs.isEmpty()
          ? Optional.empty()
          : Optional.of(TableInput.load(spark, settings.source(), testInputs, withoutPriors(settings)));
    };
  }

  /** The test split needs no prior: it is never sliced, and its files may lack the column. */
  private static DataSettings withoutPriors(DataSettings s) {
    return new DataSettings(s.source(), s.inputs(), s.testInputs(), s.strategy(), s.numShards(), s.numSlices(),
        s.salt(), s.seed(), s.idColumn(), s.subjectColumn(), s.labelColumn(), s.featureColumns(), s.featureScale(),
        null);
  }

  private static String checkSource(DataSettings settings) {
    if (!SOURCES.contains(settings.source())) {
      throw new InvalidInputException("Unknown source " + (settings.source() == null ? "null" : "'"
          + settings.source() + "'") + "; valid sources: " + String.join(", ", SOURCES) + ".");
    }
    return settings.source();
  }

  private static double checkFeatureScale(DataSettings settings) {
    double scale = settings.featureScale();
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new InvalidInputException("featureScale must be a positive finite number, got " + scale + ".");
    }
    return scale;
  }

  private static Path fashionMnistDirectory(DataSettings settings) {
    List<String> inputs = listOrEmpty(settings.inputs());
    if (inputs.size() > 1) {
      throw new InvalidInputException("Source " + FASHION_MNIST + " takes at most one input, the directory holding"
          + " its IDX files; got " + inputs.size() + ": " + inputs + ".");
    }
    return inputs.isEmpty() ? FashionMnist.locateDirectory() : FashionMnist.checkDirectory(Path.of(inputs.get(0)));
  }

  private static void checkIdxPair(List<String> paths, String setting, boolean optional) {
    if (paths.size() != 2) {
      throw new InvalidInputException("Source " + IDX + " needs " + setting + (optional ? " empty or" : "")
          + " [images file, labels file]; got " + paths.size() + ": " + paths + ".");
    }
  }

  private static List<String> listOrEmpty(List<String> list) {
    return Objects.requireNonNullElse(list, List.of());
  }
}
