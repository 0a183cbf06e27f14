package io.lethe.prep;

import static io.lethe.prep.ExampleSchema.DELETION_PRIOR;
import static io.lethe.prep.ExampleSchema.RECORD_ID;
import static io.lethe.prep.ExampleSchema.SHARD;
import static io.lethe.prep.ExampleSchema.SLICE;
import static io.lethe.prep.ExampleSchema.SUBJECT_ID;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.sum;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Slices a shard by deletion prior (SISA's distribution-aware slicing, and what S3T's orders profit from): the
 * subjects of a shard are ranked by the largest prior among their rows, least likely to be deleted first, and cut
 * into slices of about equal row counts in that order, so likely deletions sit in the later slices and cut short
 * prefixes only. A subject's rows stay in one slice. Ties are broken by a hash of the subject id, not by the id's
 * spelling, so no naming scheme leaks into the order.
 */
final class PriorSlicing {
  private static final String SUBJECT_PRIOR = "subject_prior";
  private static final String SUBJECT_ROWS = "subject_rows";
  private static final String PRIOR_SLICE = "prior_slice";
  private static final String PRIOR_SHARD = "prior_shard";
  private static final String PRIOR_SUBJECT = "prior_subject";

  private PriorSlicing() {}

  /**
   * Checks that every row's prior is a number in [0, 1].
   *
   * @throws InvalidInputException naming the column, how many rows fail and the first of them
   */
  static void validate(Dataset<Row> rows, String column, String input) {
    Column bad = col(DELETION_PRIOR).isNull().or(col(DELETION_PRIOR).isNaN())
        .or(col(DELETION_PRIOR).lt(0)).or(col(DELETION_PRIOR).gt(1));
    Dataset<Row> failing = rows.filter(bad);
    List<Row> first = failing.select(col(RECORD_ID), col(DELETION_PRIOR)).orderBy(RECORD_ID).limit(1)
        .collectAsList();
    if (!first.isEmpty()) {
      long count = failing.count();
      Row row = first.get(0);
      throw new InvalidInputException(String.format(Locale.ROOT, "Invalid input in %s: deletion prior column '%s'"
          + " must hold a number in [0, 1] for every row; %d row(s) do not, e.g. record '%s' has %s.", input,
          column, count, row.getString(0), row.isNullAt(1) ? "no number" : String.valueOf(row.getDouble(1))));
    }
  }

  /**
   * Replaces the slice of every row of {@code examples} ({@link ExampleSchema#EXAMPLES} plus the prior) by its
   * subject's rank within its shard; returns the same columns.
   */
  static Dataset<Row> assign(Dataset<Row> examples, int numSlices) {
    Dataset<Row> subjects = examples.groupBy(col(SHARD), col(SUBJECT_ID))
        .agg(max(col(DELETION_PRIOR)).as(SUBJECT_PRIOR), count(lit(1)).as(SUBJECT_ROWS));
    WindowSpec byPrior = Window.partitionBy(col(SHARD))
        .orderBy(col(SUBJECT_PRIOR), sha2(col(SUBJECT_ID), 256), col(SUBJECT_ID));
    Column rowsBefore = coalesce(sum(col(SUBJECT_ROWS)).over(byPrior.rowsBetween(Window.unboundedPreceding(), -1)),
        lit(0L));
    Column shardRows = sum(col(SUBJECT_ROWS)).over(Window.partitionBy(col(SHARD)));
    Column slice = least(floor(rowsBefore.multiply(numSlices).divide(shardRows)).cast("int"), lit(numSlices - 1));
    Dataset<Row> subjectSlices = subjects.select(col(SHARD).as(PRIOR_SHARD), col(SUBJECT_ID).as(PRIOR_SUBJECT),
        slice.as(PRIOR_SLICE));
    String[] columns = examples.columns();
    Column[] ordered = new Column[columns.length];
    for (int i = 0; i < columns.length; i++) {
      ordered[i] = columns[i].equals(SLICE) ? col(PRIOR_SLICE).as(SLICE) : col(columns[i]);
    }
    return examples.drop(SLICE)
        .join(subjectSlices, col(SHARD).equalTo(col(PRIOR_SHARD)).and(col(SUBJECT_ID).equalTo(col(PRIOR_SUBJECT))))
        .select(ordered);
  }

  /** The sum of the priors of each (shard, slice), keyed {@code shard * numSlices + slice}. */
  static Map<Integer, Double> sums(Dataset<Row> examples, int numSlices) {
    Map<Integer, Double> sums = new HashMap<>();
    for (Row row : examples.groupBy(col(SHARD), col(SLICE)).agg(sum(col(DELETION_PRIOR))).collectAsList()) {
      // Rounded so that the summation order Spark happens to use never makes equal content look changed.
      sums.put(row.getInt(0) * numSlices + row.getInt(1), Math.round(row.getDouble(2) * 1e9) / 1e9);
    }
    return sums;
  }
}
