package io.lethe.prep;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.function.BiFunction;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * A pair of IDX files (images and labels) as example input. The driver reads the files, which may sit on any Hadoop
 * file system, and broadcasts their bytes; executors build the rows from positions. (Parallelizing ready rows would
 * put the whole dataset inside Spark's tasks, and again into every task that reads the cached rows.) Record ids are
 * the split's prefix and the zero-padded position in the file ({@code train-00042}); every image is its own subject.
 */
final class IdxInput {
  private IdxInput() {}

  static ExampleInput load(SparkSession spark, String imagesPath, String labelsPath, String idPrefix,
      double featureScale) {
    IdxImages images = read(spark, imagesPath, IdxReader::readImages);
    IdxLabels labels = read(spark, labelsPath, IdxReader::readLabels);
    IdxReader.checkSameCount(images, labels);
    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Dataset<Row> rows = spark.range(images.count())
        .map(new ImageRow(context.broadcast(images), context.broadcast(labels), idPrefix, featureScale),
            Encoders.row(ExampleSchema.INPUT));
    return new ExampleInput(imagesPath + " and " + labelsPath, rows, false, true);
  }

  /** The record id of the item at {@code index} of an IDX split, e.g. {@code train-00042}. */
  static String recordId(String prefix, int index) {
    return String.format(Locale.ROOT, "%s-%05d", prefix, index);
  }

  private static <T> T read(SparkSession spark, String file, BiFunction<InputStream, String, T> reader) {
    Path path = new Path(file);
    try {
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(path)) {
        throw new InvalidInputException("Input " + file + " does not exist; check the path.");
      }
      try (InputStream in = fs.open(path)) {
        return reader.apply(in, file);
      }
    } catch (IOException e) {
      throw new InvalidInputException("Cannot read IDX file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Builds the row of one image position: its id, label and pixels (0..255) times the feature scale as floats. */
  private static final class ImageRow implements MapFunction<Long, Row> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<IdxImages> images;
    private final Broadcast<IdxLabels> labels;
    private final String idPrefix;
    private final double featureScale;

    ImageRow(Broadcast<IdxImages> images, Broadcast<IdxLabels> labels, String idPrefix, double featureScale) {
      this.images = images;
      this.labels = labels;
      this.idPrefix = idPrefix;
      this.featureScale = featureScale;
    }

    @Override
    public Row call(Long index) {
      int position = Math.toIntExact(index);
      byte[] pixels = images.value().imagePixels(position);
      float[] features = new float[pixels.length];
      for (int i = 0; i < pixels.length; i++) {
        features[i] = (float) (Byte.toUnsignedInt(pixels[i]) * featureScale);
      }
      String id = recordId(idPrefix, position);
      return RowFactory.create(id, id, labels.value().label(position), features);
    }
  }
}
