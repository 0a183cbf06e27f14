package io.lethe.jobs.bench;

import io.lethe.models.SliceOrder;
import io.lethe.store.ShardLineage;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Which (order, stage) a shard serves once some of its slices are deleted. The benchmark must apply the product's
 * rule, not a copy of it; see {@link #PRODUCT}.
 */
interface ServingRule {

  /** A served position: stage {@code stage} (1..R) of order {@code sequence}. */
  record Prefix(int sequence, int stage) {}

  /** The longest clean prefix among {@code orders}, or empty when every order's first slice is deleted. */
  Optional<Prefix> longestCleanPrefix(List<SliceOrder> orders, Collection<Integer> deletedSlices);

  /**
   * The product's rule, {@link ShardLineage#longestCleanPrefix}, applied to a lineage whose orders are trained to
   * their last stage (the benchmark scores every stage): the longest wins, ties to the lowest order index, none when
   * every order is cut to nothing.
   */
  ServingRule PRODUCT = (orders, deletedSlices) -> {
    List<ShardLineage.Sequence> sequences = orders.stream()
        .map(order -> new ShardLineage.Sequence(order.slices(),
            Collections.nCopies(order.numSlices(), "scored-by-the-benchmark")))
        .toList();
    return new ShardLineage(0, sequences, 0, 0, 0).longestCleanPrefix(deletedSlices)
        .map(prefix -> new Prefix(prefix.sequence(), prefix.stage()));
  };
}
