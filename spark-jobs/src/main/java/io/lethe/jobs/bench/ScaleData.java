package io.lethe.jobs.bench;

import java.io.Serializable;
import java.util.Iterator;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The seeded synthetic table of {@code bench scale}: row {@code i} of a split is a pure function of (seed, split, i),
 * so the same seed gives the same rows however Spark partitions the work, and rows are generated on the executors
 * (from {@code spark.range}) and written as Parquet without ever passing through the driver. Every class has its own
 * mean per feature and each row adds unit Gaussian noise, so a model has something to learn. Record ids are
 * {@code <split>-<i>} zero-padded, and {@code rowsPerSubject} consecutive rows share a data subject.
 */
public final class ScaleData implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final String RECORD_ID = "record_id";
  public static final String SUBJECT_ID = "subject_id";
  public static final String LABEL = "label";
  public static final String FEATURES = "features";
  /** The Parquet schema written: what {@code lethe.data.source = parquet} reads with these column names. */
  public static final StructType SCHEMA = new StructType()
      .add(RECORD_ID, DataTypes.StringType, false)
      .add(SUBJECT_ID, DataTypes.StringType, false)
      .add(LABEL, DataTypes.IntegerType, false)
      .add(FEATURES, DataTypes.createArrayType(DataTypes.FloatType, false), false);
  /** Distance of the class means from 0, in units of the noise's standard deviation, per feature. */
  private static final double SEPARATION = 0.35;

  private final long seed;
  private final int features;
  private final int classes;
  private final int rowsPerSubject;

  /**
   * @param seed what the rows are a function of
   * @param features values per row, at least 1
   * @param classes labels 0..classes-1, at least 2
   * @param rowsPerSubject consecutive rows sharing a subject, at least 1
   */
  public ScaleData(long seed, int features, int classes, int rowsPerSubject) {
    if (features < 1 || classes < 2 || rowsPerSubject < 1) {
      throw new IllegalArgumentException("bench scale data needs features >= 1, classes >= 2 and rows per subject"
          + " >= 1, got " + features + ", " + classes + ", " + rowsPerSubject);
    }
    this.seed = seed;
    this.features = features;
    this.classes = classes;
    this.rowsPerSubject = rowsPerSubject;
  }

  /** The record id of row {@code index} of {@code split} ({@code train} or {@code test}). */
  public static String recordId(String split, long index) {
    return String.format(Locale.ROOT, "%s-%011d", split, index);
  }

  /** The subject of row {@code index} of {@code split}. */
  public String subjectId(String split, long index) {
    return String.format(Locale.ROOT, "%s-s%010d", split, index / rowsPerSubject);
  }

  /** Row {@code index} of {@code split}: record_id, subject_id, label, features. */
  public Row row(String split, long index) {
    SplittableRandom random = new SplittableRandom(mix(seed ^ mix(index) ^ mix(split.hashCode() * 31L + 7)));
    int label = random.nextInt(classes);
    float[] values = new float[features];
    for (int j = 0; j < features; j++) {
      values[j] = (float) (classMean(label, j) + gaussian(random));
    }
    return RowFactory.create(recordId(split, index), subjectId(split, index), label, values);
  }

  /** The mean of feature {@code j} in class {@code label}: +-SEPARATION, by a hash of (seed, label, j). */
  double classMean(int label, int j) {
    return (mix(seed + 0x9E3779B97F4A7C15L * (label + 1) + j) & 1) == 0 ? SEPARATION : -SEPARATION;
  }

  /**
   * Writes {@code rows} rows of {@code split} as Parquet under {@code path} (which must not exist), generated in
   * {@code partitions} Spark tasks.
   */
  public void write(SparkSession spark, String split, long rows, int partitions, String path) {
    spark.sparkContext().setJobDescription("lethe bench scale: generate " + rows + " " + split + " rows");
    generate(spark, split, rows, partitions).write().mode(SaveMode.ErrorIfExists).parquet(path);
  }

  /** The rows of {@code split}, generated on the executors. */
  public Dataset<Row> generate(SparkSession spark, String split, long rows, int partitions) {
    return spark.range(0, rows, 1, Math.max(1, partitions))
        .mapPartitions(new Rows(this, split), Encoders.row(SCHEMA));
  }

  private static final class Rows implements MapPartitionsFunction<Long, Row> {
    private static final long serialVersionUID = 1L;
    private final ScaleData data;
    private final String split;

    Rows(ScaleData data, String split) {
      this.data = data;
      this.split = split;
    }

    @Override
    public Iterator<Row> call(Iterator<Long> indices) {
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return indices.hasNext();
        }

        @Override
        public Row next() {
          return data.row(split, indices.next());
        }
      };
    }
  }

  private static double gaussian(SplittableRandom random) {
    // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1].
    double u = 1.0 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** SplitMix64's finaliser: spreads nearby inputs over all 64 bits. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
