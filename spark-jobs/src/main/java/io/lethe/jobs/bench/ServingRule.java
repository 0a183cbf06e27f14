package io.lethe.jobs.bench;

import io.lethe.models.SliceOrder;
import java.util.Collection;
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
   * The product's rule: {@link SliceOrder#longestPrefixAvoiding} per order, the longest wins, ties to the lowest
   * order index, none when every order is cut to nothing.
   */
  ServingRule PRODUCT = (orders, deletedSlices) -> {
    Prefix best = null;
    for (int i = 0; i < orders.size(); i++) {
      int stage = orders.get(i).longestPrefixAvoiding(deletedSlices);
      if (stage > 0 && (best == null || stage > best.stage())) {
        best = new Prefix(i, stage);
      }
    }
    return Optional.ofNullable(best);
  };
}
