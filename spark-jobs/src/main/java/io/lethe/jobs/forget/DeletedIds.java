package io.lethe.jobs.forget;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import io.lethe.prep.ExampleSchema;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * The record ids that forget batches deleted, kept as a Spark dataset and handed to the driver in rounds of at most
 * {@code maxOnDriver} ids ({@code lethe.forget.max-driver-record-ids}): the purge and verify compare them with the
 * record-id sets, which they read on the driver, and the number of deletions has no bound of its own. A round is a
 * bucket of a hash of the id; a bucket larger than the bound (seen when it returns one id more) is split in two.
 */
final class DeletedIds {
  /** The column name of a {@code Dataset<String>}. */
  private static final String VALUE = "value";

  private final Dataset<String> ids;
  private final long maxOnDriver;
  private long count = -1;
  /** Every id, once {@link #count} found that they fit the bound: collected once, not again for every scan. */
  private Set<String> withinBound;

  private DeletedIds(Dataset<String> ids, long maxOnDriver) {
    if (maxOnDriver < 1) {
      throw new IllegalArgumentException("max-driver-record-ids must be at least 1, got " + maxOnDriver);
    }
    this.ids = ids;
    this.maxOnDriver = maxOnDriver;
  }

  /**
   * Ids already on the driver, within the bound: a small batch's, read from its routing file without Spark
   * ({@link Ledger#deletedIds}). They have no dataset form ({@link #asDataset} is for verify's joins over every
   * batch).
   */
  static DeletedIds onDriver(Set<String> ids, long maxOnDriver) {
    if (ids.size() > maxOnDriver) {
      throw new IllegalArgumentException(ids.size() + " ids exceed max-driver-record-ids " + maxOnDriver
          + "; use DeletedIds.of, which hands them over in rounds");
    }
    DeletedIds deleted = new DeletedIds(null, maxOnDriver);
    deleted.withinBound = Set.copyOf(ids);
    deleted.count = ids.size();
    return deleted;
  }

  /** The train and test record ids of routed requests ({@link Ledger#routed}), once each. */
  static DeletedIds of(List<Dataset<Row>> routed, long maxOnDriver) {
    Dataset<String> all = null;
    for (Dataset<Row> batch : routed) {
      Dataset<String> ids = batch.filter(col(ForgetJob.SPLIT).isNotNull()).select(col(ExampleSchema.RECORD_ID).as(VALUE))
          .as(Encoders.STRING());
      all = all == null ? ids : all.union(ids);
    }
    return new DeletedIds(all == null ? null : all.distinct(), maxOnDriver);
  }

  /** The ids as a one-column ({@code deleted_id}) dataset for joins, or null when there are none. */
  Dataset<Row> asDataset() {
    if (ids == null && count > 0) {
      throw new IllegalStateException("These deleted ids are held on the driver only (DeletedIds.onDriver)");
    }
    return ids == null ? null : ids.toDF("deleted_id");
  }

  long count() {
    if (count < 0) {
      if (ids == null) {
        count = 0;
      } else {
        // One job answers both questions in the common case: how many, and (when they fit the bound) which.
        List<String> head = ids.limit((int) Math.min(Integer.MAX_VALUE - 1, maxOnDriver) + 1).collectAsList();
        if (head.size() <= maxOnDriver) {
          withinBound = Collections.unmodifiableSet(new HashSet<>(head));
          count = head.size();
        } else {
          count = ids.count();
        }
      }
    }
    return count;
  }

  /**
   * Hands the ids to {@code each} in rounds of at most {@code maxOnDriver}, one round on the driver at a time; one
   * empty round when there are none (a scan still reports what it cannot check).
   */
  void forEachRound(Consumer<Set<String>> each) {
    long n = count();
    if (n == 0) {
      each.accept(Set.of());
      return;
    }
    if (withinBound != null) {
      each.accept(withinBound);
      return;
    }
    long buckets = 2 * ((n + maxOnDriver - 1) / maxOnDriver);
    for (long bucket = 0; bucket < buckets; bucket++) {
      round(pmod(xxhash64(col(VALUE)), lit(buckets)).equalTo(bucket), 1, each);
    }
  }

  /** One bucket, or, when it holds more than the bound, its two halves by another hash. */
  private void round(Column bucket, int depth, Consumer<Set<String>> each) {
    List<String> round = ids.filter(bucket).limit((int) Math.min(Integer.MAX_VALUE - 1, maxOnDriver) + 1)
        .collectAsList();
    if (round.size() <= maxOnDriver) {
      if (!round.isEmpty()) {
        each.accept(new HashSet<>(round));
      }
      return;
    }
    round = null;
    for (int half = 0; half < 2; half++) {
      round(bucket.and(pmod(xxhash64(col(VALUE), lit(depth)), lit(2)).equalTo(half)), depth + 1, each);
    }
  }
}
