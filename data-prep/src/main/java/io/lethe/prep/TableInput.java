package io.lethe.prep;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;

import io.lethe.store.DataManifest.DataSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.FractionalType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;

/**
 * CSV or Parquet files as example input, with the columns the data settings name. Values that do not parse (a
 * label "cat", a feature "n/a") become nulls for validation to report; CSV files need a header line. Features are
 * read as doubles, multiplied by the feature scale and rounded to float. Without configured feature columns every
 * column but the id, subject and label columns is a feature.
 *
 * <p>Without an id column a record id is derived from the row's content ({@link #deriveRecordId}), so it does not
 * depend on row order; identical rows then share an id and validation reports them as duplicates.
 */
final class TableInput {
  private static final int DERIVED_ID_HEX_CHARS = 20;

  private TableInput() {}

  static ExampleInput load(SparkSession spark, String format, List<String> paths, DataSettings settings) {
    if (settings.labelColumn() == null) {
      throw new InvalidInputException("Source " + format + " needs labelColumn: the column that holds the labels.");
    }
    String name = String.join(", ", paths);
    checkExist(spark, paths);
    Dataset<Row> raw = read(spark, format, paths, name);
    if (raw.columns().length == 0) {
      throw new InvalidInputException(InputValidator.noRowsMessage(name));
    }
    requireColumn(raw, settings.idColumn(), "idColumn", name);
    requireColumn(raw, settings.subjectColumn(), "subjectColumn", name);
    requireColumn(raw, settings.labelColumn(), "labelColumn", name);
    requireColumn(raw, settings.deletionPriorColumn(), "deletionPriorColumn", name);
    List<String> featureColumns = featureColumns(raw, settings, name);
    featureColumns.forEach(column -> requireColumn(raw, column, "featureColumns", name));

    Column label = label(raw, settings.labelColumn(), name).as(ExampleSchema.LABEL);
    Column features = features(raw, featureColumns, settings.featureScale(), name).as(ExampleSchema.FEATURES);
    boolean subjectsFromIds = settings.subjectColumn() == null;
    Column subject = subjectsFromIds ? null : id(settings.subjectColumn());
    boolean withPrior = settings.deletionPriorColumn() != null;
    StructType schema = withPrior ? ExampleSchema.INPUT_WITH_PRIOR : ExampleSchema.INPUT;
    List<Column> extra = withPrior
        ? List.of(deletionPrior(raw, settings.deletionPriorColumn(), name).as(ExampleSchema.DELETION_PRIOR))
        : List.of();
    if (settings.idColumn() != null) {
      Column recordId = id(settings.idColumn());
      List<Column> columns = new ArrayList<>(List.of(recordId.as(ExampleSchema.RECORD_ID),
          (subjectsFromIds ? recordId : subject).as(ExampleSchema.SUBJECT_ID), label, features));
      columns.addAll(extra);
      Dataset<Row> rows = raw.select(columns.toArray(Column[]::new));
      return new ExampleInput(name, rows.to(schema), false, subjectsFromIds);
    }
    List<Column> columns = new ArrayList<>(List.of(lit("").as(ExampleSchema.RECORD_ID),
        (subjectsFromIds ? lit("") : subject).as(ExampleSchema.SUBJECT_ID), label, features));
    columns.addAll(extra);
    Dataset<Row> rows = raw
        .select(columns.toArray(Column[]::new))
        .map(new DeriveRecordIds(subjectsFromIds), Encoders.row(schema));
    return new ExampleInput(name, rows, true, subjectsFromIds);
  }

  /**
   * The record id of a row without an id column: "r" and the first 20 hex digits of SHA-256 over the label in
   * decimal, a NUL byte and each feature's big-endian IEEE 754 bits. A missing label hashes as "null" and a missing
   * feature as NaN; validation rejects such rows anyway.
   */
  static String deriveRecordId(Integer label, float[] features) {
    MessageDigest digest = Sha256.newDigest();
    digest.update((label + "\u0000").getBytes(StandardCharsets.UTF_8));
    ByteBuffer bits = ByteBuffer.allocate(Float.BYTES * features.length);
    for (float feature : features) {
      bits.putInt(Float.floatToRawIntBits(feature));
    }
    digest.update(bits.array());
    return "r" + HexFormat.of().formatHex(digest.digest()).substring(0, DERIVED_ID_HEX_CHARS);
  }

  private static void checkExist(SparkSession spark, List<String> paths) {
    for (String input : paths) {
      Path path = new Path(input);
      try {
        FileStatus[] matches = path.getFileSystem(spark.sparkContext().hadoopConfiguration()).globStatus(path);
        if (matches == null || matches.length == 0) {
          throw new InvalidInputException("Input " + input + " does not exist; check the path.");
        }
      } catch (IOException e) {
        throw new InvalidInputException("Cannot read input " + input + ": " + e.getMessage(), e);
      }
    }
  }

  private static Dataset<Row> read(SparkSession spark, String format, List<String> paths, String name) {
    String[] files = paths.toArray(String[]::new);
    try {
      return InputLoader.CSV.equals(format)
          ? spark.read().option("header", "true").option("inferSchema", "false").option("mode", "PERMISSIVE")
              .csv(files)
          : spark.read().parquet(files);
    } catch (Exception e) {
      String kind = InputLoader.CSV.equals(format) ? "CSV" : "Parquet";
      throw new InvalidInputException("Cannot read " + name + " as " + kind + "; check that it is a " + kind
          + " file or a directory of them. Cause: " + rootCauseMessage(e), e);
    }
  }

  /** The first line of the innermost cause's message: Spark wraps the telling one in job and task failures. */
  private static String rootCauseMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return String.valueOf(root.getMessage()).lines().findFirst().orElse("");
  }

  /**
   * The configured feature columns or, when none are configured, every column but the id, subject and label
   * columns, in the file's order (what conf/application.conf documents for an empty {@code feature-columns}).
   */
  static List<String> featureColumns(Dataset<Row> raw, DataSettings settings, String name) {
    List<String> configured = settings.featureColumns() == null ? List.of() : settings.featureColumns();
    if (!configured.isEmpty()) {
      return configured;
    }
    List<String> others = Arrays.stream(raw.columns())
        .filter(c -> !c.equals(settings.idColumn()) && !c.equals(settings.subjectColumn())
            && !c.equals(settings.labelColumn()) && !c.equals(settings.deletionPriorColumn()))
        .toList();
    if (others.isEmpty()) {
      throw new InvalidInputException(name + " has no column besides id, subject and label (columns: "
          + String.join(", ", raw.columns()) + "); it holds no features. Add feature columns or set featureColumns.");
    }
    return others;
  }

  private static void requireColumn(Dataset<Row> raw, String column, String setting, String name) {
    if (column != null && !Arrays.asList(raw.columns()).contains(column)) {
      throw new InvalidInputException("Column '" + column + "' (" + setting + ") not found in " + name
          + "; available columns: " + String.join(", ", raw.columns()) + ". Set " + setting + " to one of them.");
    }
  }

  private static Column column(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }

  /** An id column as a string; a missing id reads as "" so that validation reports it as empty. */
  private static Column id(String name) {
    return coalesce(column(name).cast(DataTypes.StringType), lit(""));
  }

  private static Column label(Dataset<Row> raw, String name, String input) {
    DataType type = raw.schema().apply(name).dataType();
    Column value = column(name);
    if (type instanceof FractionalType) {
      return when(value.equalTo(floor(value)), value.try_cast(DataTypes.IntegerType));
    }
    if (type instanceof NumericType || type instanceof StringType) {
      return value.try_cast(DataTypes.IntegerType);
    }
    throw new InvalidInputException("Label column '" + name + "' in " + input + " has type " + type.simpleString()
        + "; labels must be integer class indices from 0.");
  }

  /** The prior as a double; a value that does not parse becomes null, which the prepare step reports. */
  private static Column deletionPrior(Dataset<Row> raw, String name, String input) {
    DataType type = raw.schema().apply(name).dataType();
    if (!(type instanceof NumericType || type instanceof StringType)) {
      throw new InvalidInputException("Deletion prior column '" + name + "' in " + input + " has type "
          + type.simpleString() + "; it must hold a probability in [0, 1] for every row.");
    }
    return column(name).try_cast(DataTypes.DoubleType);
  }

  private static Column features(Dataset<Row> raw, List<String> names, double scale, String input) {
    if (names.size() == 1 && raw.schema().apply(names.get(0)).dataType() instanceof ArrayType arrayType) {
      DataType element = arrayType.elementType();
      if (!(element instanceof NumericType || element instanceof StringType)) {
        throw new InvalidInputException("Feature column '" + names.get(0) + "' in " + input + " has type "
            + arrayType.simpleString() + "; features must be numeric columns or one array of numbers.");
      }
      return transform(column(names.get(0)), value -> scaled(value, scale));
    }
    Column[] columns = new Column[names.size()];
    for (int i = 0; i < columns.length; i++) {
      DataType type = raw.schema().apply(names.get(i)).dataType();
      if (!(type instanceof NumericType || type instanceof StringType)) {
        throw new InvalidInputException("Feature column '" + names.get(i) + "' in " + input + " has type "
            + type.simpleString() + "; features must be numeric columns or one array of numbers.");
      }
      columns[i] = scaled(column(names.get(i)), scale);
    }
    return array(columns);
  }

  private static Column scaled(Column value, double scale) {
    return value.try_cast(DataTypes.DoubleType).multiply(lit(scale)).cast(DataTypes.FloatType);
  }

  /** Fills in derived record ids, and subject ids too when every row is its own subject. */
  private static final class DeriveRecordIds implements MapFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final boolean subjectsFromIds;

    DeriveRecordIds(boolean subjectsFromIds) {
      this.subjectsFromIds = subjectsFromIds;
    }

    @Override
    public Row call(Row row) {
      Integer label = row.isNullAt(2) ? null : row.getInt(2);
      float[] features = row.isNullAt(3) ? new float[0] : ExampleSchema.features(row, 3);
      String recordId = deriveRecordId(label, features);
      Object[] values = new Object[row.size()];
      values[0] = recordId;
      values[1] = subjectsFromIds ? recordId : row.getString(1);
      values[2] = label;
      for (int i = 3; i < values.length; i++) {
        values[i] = row.get(i);
      }
      return RowFactory.create(values);
    }
  }
}
