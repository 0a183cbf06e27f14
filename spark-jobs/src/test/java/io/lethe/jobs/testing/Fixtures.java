package io.lethe.jobs.testing;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.config.SettingsLoader;
import io.lethe.store.LetheStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.SparkSession;

/** Small seeded data sets and settings shared by the Spark tests. */
public final class Fixtures {
  public static final int FEATURES = 12;
  public static final int CLASSES = 3;

  private Fixtures() {}

  /** One local[2] session per JVM, UI off, few shuffle partitions. */
  public static SparkSession spark() {
    return SparkSession.builder()
        .master("local[2]")
        .appName("lethe-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate();
  }

  /**
   * Writes a CSV of three well-separated Gaussian blobs: columns id, subject (three rows per subject), label and
   * f0..f11.
   */
  public static Path blobsCsv(Path dir, String name, int rows, long seed) {
    Random random = new Random(seed);
    StringBuilder csv = new StringBuilder("id,subject,label");
    for (int f = 0; f < FEATURES; f++) {
      csv.append(",f").append(f);
    }
    csv.append('\n');
    for (int i = 0; i < rows; i++) {
      int label = i % CLASSES;
      csv.append(name).append('-').append(i).append(",s-").append(name).append('-').append(i / 3).append(',')
          .append(label);
      for (int f = 0; f < FEATURES; f++) {
        double center = f % CLASSES == label ? 2.0 : 0.0;
        csv.append(',').append(String.format(java.util.Locale.ROOT, "%.4f", center + random.nextGaussian() * 0.7));
      }
      csv.append('\n');
    }
    Path file = dir.resolve(name + ".csv");
    try {
      Files.writeString(file, csv);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** Settings for the blobs: 3 shards x 2 slices, a tiny tabular MLP, plus any extra overrides. */
  public static LetheSettings blobSettings(Path store, Path train, Path test, String... extra) {
    List<String> featureColumns = new ArrayList<>();
    for (int f = 0; f < FEATURES; f++) {
      featureColumns.add("\"f" + f + "\"");
    }
    List<String> overrides = new ArrayList<>(List.of(
        "lethe.store.root=\"" + store + "\"",
        "lethe.data.source=csv",
        "lethe.data.inputs=[\"" + train + "\"]",
        "lethe.data.test-inputs=[\"" + test + "\"]",
        "lethe.data.id-column=id",
        "lethe.data.subject-column=subject",
        "lethe.data.feature-columns=[" + String.join(",", featureColumns) + "]",
        "lethe.data.shards=3",
        "lethe.data.slices=2",
        "lethe.model.architecture=tabular-mlp",
        "lethe.model.hidden-layers=[16]",
        "lethe.model.epochs=12",
        "lethe.model.learning-rate=0.01",
        "lethe.model.batch-size=16",
        "lethe.predict.batch-size=50"));
    overrides.addAll(List.of(extra));
    return SettingsLoader.load(overrides);
  }

  public static LetheStore open(SparkSession spark, LetheSettings settings) {
    return LetheStore.open(LetheStore.toUri(settings.store().root()).toString(),
        spark.sparkContext().hadoopConfiguration(), false, Clock.systemUTC());
  }
}
