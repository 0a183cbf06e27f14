package io.lethe.prep;

import static io.lethe.prep.ExampleSchema.FEATURES;
import static io.lethe.prep.ExampleSchema.LABEL;
import static io.lethe.prep.ExampleSchema.RECORD_ID;
import static io.lethe.prep.ExampleSchema.SUBJECT_ID;
import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Checks an input split before anything is written: unique, well-formed ids; an integer label in range for every
 * row; the same number of finite features in every row. All problems are reported at once, each with its count and
 * the first offending rows in record_id order, in an {@link InvalidInputException}.
 *
 * <p>Ids must be 1 to {@value ExampleSchema#MAX_ID_LENGTH} characters without control characters, '/', '\' or ','
 * because they become parts of file paths and of CSV audit exports.
 */
public final class InputValidator {
  private static final int SHOWN_ROWS = 5;
  private static final String SHOWN_LENGTH = "shown_length";
  private static final String ROWS = "rows";
  private static final String INVALID_RECORD_IDS = "invalid_record_ids";
  private static final String INVALID_SUBJECT_IDS = "invalid_subject_ids";
  private static final String MISSING_LABELS = "missing_labels";
  private static final String MIN_LABEL = "min_label";
  private static final String MAX_LABEL = "max_label";
  private static final String NON_FINITE_ROWS = "non_finite_rows";
  private static final String NULL_FEATURE_ROWS = "null_feature_rows";

  private InputValidator() {}

  /** Validates the training split; the number of classes is its largest label plus one. */
  public static InputSummary validateTrain(ExampleInput input) {
    return validate(input, null);
  }

  /** Validates the test split against the training split's number of features and classes. */
  public static InputSummary validateTest(ExampleInput input, InputSummary train) {
    return validate(input, train);
  }

  /** The message for an input without rows. */
  static String noRowsMessage(String inputName) {
    return "Invalid input: " + inputName + " holds no rows.";
  }

  private static InputSummary validate(ExampleInput input, InputSummary train) {
    Dataset<Row> rows = input.rows();
    Column features = col(FEATURES);
    Column nonFinite = exists(features,
        x -> x.isNull().or(isnan(x)).or(abs(x).equalTo(lit(Float.POSITIVE_INFINITY))));
    Row stats = rows.agg(
        count(lit(1)).as(ROWS),
        count_if(invalidId(col(RECORD_ID))).as(INVALID_RECORD_IDS),
        count_if(invalidId(col(SUBJECT_ID))).as(INVALID_SUBJECT_IDS),
        count_if(col(LABEL).isNull()).as(MISSING_LABELS),
        min(LABEL).as(MIN_LABEL),
        max(LABEL).as(MAX_LABEL),
        count_if(nonFinite).as(NON_FINITE_ROWS),
        count_if(features.isNull()).as(NULL_FEATURE_ROWS)).first();
    long total = stats.<Long>getAs(ROWS);
    if (total == 0) {
      throw new InvalidInputException(noRowsMessage(input.name()));
    }
    List<String> problems = new ArrayList<>();

    long invalidRecordIds = stats.<Long>getAs(INVALID_RECORD_IDS);
    if (invalidRecordIds > 0) {
      problems.add(rowsHave(invalidRecordIds) + " an invalid record_id (first: "
          + first(rows, invalidId(col(RECORD_ID)), null, row -> quote(row.getString(0))) + "). " + IdRules.RULE
          + "; fix the id column.");
    }
    checkDuplicates(input, problems);
    long invalidSubjects = stats.<Long>getAs(INVALID_SUBJECT_IDS);
    if (!input.subjectsFromIds() && invalidSubjects > 0) {
      problems.add(rowsHave(invalidSubjects) + " an invalid subject_id (first: "
          + first(rows, invalidId(col(SUBJECT_ID)), col(SUBJECT_ID),
              row -> quote(row.getString(0)) + " has " + quote(row.getString(1)))
          + "). " + IdRules.RULE + "; fix the subject column.");
    }

    long missingLabels = stats.<Long>getAs(MISSING_LABELS);
    if (missingLabels > 0) {
      problems.add(rowsHave(missingLabels) + " a missing or non-integer label (first: "
          + first(rows, col(LABEL).isNull(), null, row -> quote(row.getString(0)))
          + "). Every row needs an integer class label; fix or drop these rows.");
    }
    int numClasses = checkLabels(rows, stats.getAs(MIN_LABEL), stats.getAs(MAX_LABEL), train, problems);
    int numFeatures = checkFeatureCounts(rows, stats.<Long>getAs(NULL_FEATURE_ROWS), train, problems);
    long nonFiniteRows = stats.<Long>getAs(NON_FINITE_ROWS);
    if (nonFiniteRows > 0) {
      problems.add(rowsHave(nonFiniteRows) + " a missing, non-numeric, NaN or infinite feature (first: "
          + first(rows, nonFinite, null, row -> quote(row.getString(0)))
          + "). Features must be finite numbers; fix or drop these rows.");
    }

    if (problems.size() == 1) {
      throw new InvalidInputException("Invalid input in " + input.name() + ": " + problems.get(0));
    }
    if (!problems.isEmpty()) {
      throw new InvalidInputException("Invalid input in " + input.name() + " (" + problems.size() + " problems):"
          + problems.stream().map(problem -> "\n  - " + problem).collect(Collectors.joining()));
    }
    return new InputSummary(total, numFeatures, numClasses);
  }

  private static Column invalidId(Column id) {
    return IdRules.invalid(id);
  }

  private static void checkDuplicates(ExampleInput input, List<String> problems) {
    Dataset<Row> duplicates = input.rows().groupBy(RECORD_ID).count().filter(col("count").gt(1));
    long duplicateIds = duplicates.count();
    if (duplicateIds == 0) {
      return;
    }
    String shown = duplicates.orderBy(RECORD_ID).limit(SHOWN_ROWS).collectAsList().stream()
        .map(row -> quote(row.getString(0)) + " x" + row.getLong(1))
        .collect(Collectors.joining(", "));
    String what = duplicateIds == 1 ? "1 record_id occurs" : duplicateIds + " record_ids occur";
    problems.add(what + " more than once (first: " + shown + "). Record ids must be unique; " + (input.derivedIds()
        ? "without an id column a row's id is derived from its label and features, so identical rows share one:"
            + " set idColumn to a column that tells them apart, or drop the copies."
        : "fix the id column."));
  }

  /** Checks the label range; returns the number of classes (the training split's, or inferred from this one). */
  private static int checkLabels(Dataset<Row> rows, Integer minLabel, Integer maxLabel, InputSummary train,
      List<String> problems) {
    if (maxLabel == null) {
      return train == null ? 0 : train.numClasses();
    }
    int numClasses = train == null ? maxLabel + 1 : train.numClasses();
    if (train == null && numClasses < 2) {
      problems.add("The largest label is " + maxLabel + ": a classifier needs at least two classes, labelled 0 and"
          + " 1 upwards.");
    }
    if (minLabel < 0 || maxLabel >= numClasses) {
      Column outside = col(LABEL).lt(0).or(col(LABEL).geq(numClasses));
      long outsideRows = rows.filter(outside).count();
      problems.add(rowsHave(outsideRows) + " a label outside [0, " + numClasses + ") (first: "
          + first(rows, outside, col(LABEL), row -> quote(row.getString(0)) + " has " + row.getInt(1))
          + "). Labels are class indices from 0 to " + (numClasses - 1) + "; map your classes to these numbers.");
    }
    return numClasses;
  }

  /**
   * Checks that every row has the expected number of features: the training split's, or the count most rows of
   * this split have. Returns that number.
   */
  private static int checkFeatureCounts(Dataset<Row> rows, long nullFeatureRows, InputSummary train,
      List<String> problems) {
    List<Row> lengths = rows.filter(col(FEATURES).isNotNull()).groupBy(size(col(FEATURES))).count()
        .collectAsList();
    int expected = train != null
        ? train.numFeatures()
        : lengths.stream()
            .max(Comparator.<Row>comparingLong(row -> row.getLong(1)).thenComparing(row -> -row.getInt(0)))
            .map(row -> row.getInt(0))
            .orElse(0);
    if (expected == 0) {
      problems.add("No row has any features. Set featureColumns to the numeric columns (or the one array column)"
          + " that hold them.");
      return 0;
    }
    long wrongLength = nullFeatureRows
        + lengths.stream().filter(row -> row.getInt(0) != expected).mapToLong(row -> row.getLong(1)).sum();
    if (wrongLength > 0) {
      Column length = when(col(FEATURES).isNull(), lit(-1)).otherwise(size(col(FEATURES)));
      problems.add(rowsHave(wrongLength) + " a feature count other than " + expected + " (first: "
          + first(rows, length.notEqual(expected), length.as(SHOWN_LENGTH),
              row -> quote(row.getString(0)) + " has " + (row.getInt(1) < 0 ? "none" : row.getInt(1)))
          + "). Every row, train and test, needs as many features as most training rows; fix or drop these rows.");
    }
    return expected;
  }

  /** The first offending rows by record_id, each shown by {@code show} over (record_id, {@code detail}). */
  private static String first(Dataset<Row> rows, Column offending, Column detail, Function<Row, String> show) {
    Dataset<Row> selected = detail == null
        ? rows.filter(offending).select(col(RECORD_ID))
        : rows.filter(offending).select(col(RECORD_ID), detail);
    return selected.orderBy(RECORD_ID).limit(SHOWN_ROWS).collectAsList().stream()
        .map(show)
        .collect(Collectors.joining(", "));
  }

  private static String rowsHave(long count) {
    return count == 1 ? "1 row has" : count + " rows have";
  }

  static String quote(String id) {
    return IdRules.quote(id);
  }

}
