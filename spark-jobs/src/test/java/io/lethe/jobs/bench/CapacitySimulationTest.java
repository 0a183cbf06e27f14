package io.lethe.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.jobs.bench.CapacitySimulation.Curve;
import io.lethe.jobs.bench.CapacitySimulation.Deletion;
import io.lethe.jobs.bench.CapacitySimulation.ShardModels;
import io.lethe.models.Aggregation;
import io.lethe.models.SequenceSelection;
import io.lethe.models.SliceOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CapacitySimulationTest {

  /** Four test rows of classes 0, 1, 0, 1. */
  private static final int[] LABELS = {0, 1, 0, 1};
  private static final float[][] RIGHT = {{0.9f, 0.1f}, {0.1f, 0.9f}, {0.9f, 0.1f}, {0.1f, 0.9f}};
  /** Right everywhere, with less confidence. */
  private static final float[][] WEAK = {{0.6f, 0.4f}, {0.4f, 0.6f}, {0.6f, 0.4f}, {0.4f, 0.6f}};

  /** Two slices per shard (30 and 10 rows); stage 1 of an order starting with slice 1 is {@link #WEAK}. */
  private static ShardModels shard(List<SliceOrder> orders) {
    float[][][][] probabilities = new float[orders.size()][][][];
    for (int i = 0; i < orders.size(); i++) {
      boolean startsWithOne = orders.get(i).sliceAt(0) == 1;
      probabilities[i] = new float[][][] {startsWithOne ? WEAK : RIGHT, RIGHT};
    }
    return new ShardModels(orders, probabilities, new long[] {30, 10});
  }

  @Test
  void sisaLosesAShardForEveryFirstSliceDeletedWhileTwoOrdersKeepServing() {
    List<Deletion> stream = List.of(Deletion.of(0, 0), Deletion.of(1, 0), Deletion.of(0, 1));
    List<ShardModels> sisa = List.of(shard(SequenceSelection.cyclic(2, 1)), shard(SequenceSelection.cyclic(2, 1)));
    List<ShardModels> cyclic = List.of(shard(SequenceSelection.cyclic(2, 2)), shard(SequenceSelection.cyclic(2, 2)));

    Curve one = CapacitySimulation.replay(sisa, LABELS, stream, ServingRule.PRODUCT,
        Aggregation.MEAN_SOFTMAX);
    Curve two = CapacitySimulation.replay(cyclic, LABELS, stream, ServingRule.PRODUCT,
        Aggregation.MEAN_SOFTMAX);

    assertThat(one.accuracy()).containsExactly(1.0, 1.0, 0.0, 0.0);
    assertThat(one.shardsServed()).containsExactly(2, 1, 0, 0);
    assertThat(one.rowsServed()).containsExactly(80, 40, 0, 0);
    assertThat(one.capability()).isEqualTo(2);
    assertThat(one.censored()).isFalse();
    // Shard 0 then serves order [1, 0] stage 1 (10 rows), shard 1 too; the last deletion (slice 1 of shard 0)
    // leaves shard 0 nothing, and shard 1 still answers right.
    assertThat(two.shardsServed()).containsExactly(2, 2, 2, 1);
    assertThat(two.rowsServed()).containsExactly(80, 50, 20, 10);
    assertThat(two.accuracy()).containsExactly(1.0, 1.0, 1.0, 1.0);
    assertThat(two.capability()).isEqualTo(3);
    assertThat(two.censored()).isTrue();
  }

  @Test
  void theVoteFollowsTheProductsAggregationAndWeightedDiscountsAShortPrefix() {
    // Shard 0 (slices of 30 and 10 rows) is right but unsure with both slices and confidently wrong on its own
    // one-slice prefix [1]; shard 1 (40 rows in one slice) is right but unsure.
    float[][] unsure = {{0.7f, 0.3f}, {0.3f, 0.7f}, {0.7f, 0.3f}, {0.3f, 0.7f}};
    float[][] wrong = {{0.1f, 0.9f}, {0.9f, 0.1f}, {0.1f, 0.9f}, {0.9f, 0.1f}};
    ShardModels shard0 = new ShardModels(SequenceSelection.cyclic(2, 2),
        new float[][][][] {{unsure, unsure}, {wrong, unsure}}, new long[] {30, 10});
    ShardModels shard1 = new ShardModels(SequenceSelection.cyclic(1, 1), new float[][][][] {{unsure}},
        new long[] {40});
    // Deleting slice 0 of shard 0 leaves it serving order [1, 0] stage 1: 10 rows against shard 1's 40.
    List<Deletion> stream = List.of(Deletion.of(0, 0));
    List<ShardModels> shards = List.of(shard0, shard1);

    Curve mean = CapacitySimulation.replay(shards, LABELS, stream, ServingRule.PRODUCT, Aggregation.MEAN_SOFTMAX);
    Curve votes = CapacitySimulation.replay(shards, LABELS, stream, ServingRule.PRODUCT, Aggregation.MAJORITY_VOTE);
    Curve weighted = CapacitySimulation.replay(shards, LABELS, stream, ServingRule.PRODUCT, Aggregation.WEIGHTED);

    // Mean softmax: (0.1 + 0.7) / 2 = 0.4 for the right class. Majority: one vote each, the tie goes to the higher
    // mean probability, the wrong class. Weighted by rows: (10 * 0.1 + 40 * 0.7) / 50 = 0.58, right.
    assertThat(mean.accuracy()).containsExactly(1.0, 0.0);
    assertThat(votes.accuracy()).containsExactly(1.0, 0.0);
    assertThat(weighted.accuracy()).containsExactly(1.0, 1.0);
    assertThat(weighted.rowsServed()).containsExactly(80, 50);
    assertThat(mean.shardsServed()).containsExactly(2, 2);
  }

  @Test
  void aStreamThatNeverCostsTwoPointsIsCensoredAtItsLength() {
    List<ShardModels> cyclic = List.of(shard(SequenceSelection.cyclic(2, 2)), shard(SequenceSelection.cyclic(2, 2)));

    Curve curve = CapacitySimulation.replay(cyclic, LABELS, List.of(Deletion.of(0, 1), Deletion.of(1, 1)),
        ServingRule.PRODUCT, Aggregation.MEAN_SOFTMAX);

    assertThat(curve.accuracy()).containsExactly(1.0, 1.0, 1.0);
    assertThat(curve.capability()).isEqualTo(2);
    assertThat(curve.censored()).isTrue();
  }

  @Test
  void theServingRuleTakesTheLongestCleanPrefixTiesToTheLowestOrder() {
    List<SliceOrder> orders = SequenceSelection.cyclic(4, 4);

    assertThat(ServingRule.PRODUCT.longestCleanPrefix(orders, Set.of()))
        .contains(new ServingRule.Prefix(0, 4));
    // 2 deleted: [0,1,2,3] keeps 2, [1,2,3,0] keeps 1, [2,3,0,1] keeps 0, [3,0,1,2] keeps 3.
    assertThat(ServingRule.PRODUCT.longestCleanPrefix(orders, Set.of(2))).contains(new ServingRule.Prefix(3, 3));
    // 1 and 3 deleted: orders 0 and 2 keep 1 each; the lower index wins.
    assertThat(ServingRule.PRODUCT.longestCleanPrefix(orders, Set.of(1, 3))).contains(new ServingRule.Prefix(0, 1));
    assertThat(ServingRule.PRODUCT.longestCleanPrefix(orders, Set.of(0, 1, 2, 3))).isEqualTo(Optional.empty());
  }

  @Test
  void streamsAreSeededAndFollowTheirKind() {
    int[] shard = new int[40];
    int[] slice = new int[40];
    String[] subject = new String[40];
    for (int i = 0; i < 40; i++) {
      shard[i] = i % 2;
      slice[i] = (i / 2) % 4;
      subject[i] = "s" + (i / 4);
    }
    DeletionStreams streams = new DeletionStreams(shard, slice, subject);

    List<Deletion> random = streams.randomRecords(3, 40);
    assertThat(keys(random)).hasSize(40);
    assertThat(keys(streams.randomRecords(3, 40))).isEqualTo(keys(random));
    assertThat(keys(streams.randomRecords(4, 40))).isNotEqualTo(keys(random));
    List<Deletion> subjects = streams.subjects(3, 100);
    assertThat(subjects).hasSize(10).allSatisfy(d -> assertThat(d.shardSlices()).hasSize(4));
    List<Deletion> skewed = streams.skewed(3, 10, new double[] {0, 0, 0, 1});
    assertThat(skewed).hasSize(10).allSatisfy(d -> assertThat(d.shardSlices().get(0)[1]).isEqualTo(3));
    assertThat(streams.skewed(3, 100, new double[] {0, 0, 0, 1})).as("runs out of slice-3 rows").hasSize(10);
  }

  /** Each deletion as "shard/slice" with its position, to compare streams. */
  private static List<String> keys(List<Deletion> stream) {
    List<String> keys = new ArrayList<>();
    for (Deletion d : stream) {
      keys.add(d.shardSlices().get(0)[0] + "/" + d.shardSlices().get(0)[1] + "#" + keys.size());
    }
    return keys;
  }
}
