package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SequenceSelectionTest {

  private static final DeletionPriors RISING = new DeletionPriors(new double[] {0.1, 0.2, 0.3, 0.4});

  @Test
  void cyclicTakesTheFirstRotations() {
    assertThat(SequenceSelection.cyclic(4, 1)).containsExactly(SliceOrder.natural(4));
    assertThat(SequenceSelection.cyclic(4, 2)).containsExactly(SliceOrder.of(0, 1, 2, 3), SliceOrder.of(1, 2, 3, 0));
    assertThat(SequenceSelection.cyclic(4, 4)).extracting(order -> order.sliceAt(0)).containsExactly(0, 1, 2, 3);
    assertThat(SequenceSelection.cyclic(3, 3)).containsExactly(SliceOrder.of(0, 1, 2), SliceOrder.of(1, 2, 0),
        SliceOrder.of(2, 0, 1));
  }

  @Test
  void scoreIsTheSumOfPrefixLengthsWeightedByTheirChanceToSurvive() {
    // t = 2: 1*(1-.2)^2 + 2*(1-.3)^2 + 3*(1-.6)^2 + 4*0 = .64 + .98 + .48
    assertThat(SequenceSelection.score(RISING, List.of(1, 0, 2, 3), 2)).isCloseTo(2.10, within(1e-12));
    // t = 1: 1*.9 + 2*.7 = 2.3
    assertThat(SequenceSelection.score(RISING, List.of(0, 1), 1)).isCloseTo(2.3, within(1e-12));
    assertThat(SequenceSelection.score(RISING, List.of(3, 2, 1, 0), 1)).isCloseTo(0.6 + 2 * 0.3 + 3 * 0.1,
        within(1e-12));
    // t need not be whole (an expected number of deletions): t = 1.5 is not read as 1.
    assertThat(SequenceSelection.score(RISING, List.of(0, 1), 1.5))
        .isCloseTo(Math.pow(0.9, 1.5) + 2 * Math.pow(0.7, 1.5), within(1e-12))
        .isNotCloseTo(2.3, within(1e-3));
  }

  @Test
  void twoSlicesPutTheLikelyDeletionLast() {
    DeletionPriors priors = new DeletionPriors(new double[] {0.8, 0.2});

    // [0,1] scores 1*.2 + 2*0 = .2, [1,0] scores 1*.8 = .8.
    assertThat(SequenceSelection.bipartite(priors, 1, 1)).containsExactly(SliceOrder.of(1, 0));
    assertThat(SequenceSelection.bipartite(priors, 2, 1)).containsExactly(SliceOrder.of(1, 0), SliceOrder.of(0, 1));
  }

  /**
   * Worked by hand (t = 2, priors .1 .2 .3 .4). Round 1 extends [0],[1],[2],[3] by 1,0,3,2 (total 4.62, the unique
   * best: [0,1] = .81 + 2*.49 = 1.79, [1,0] = .64 + .98 = 1.62, [2,3] = .49 + 2*.09 = .67, [3,2] = .36 + .18 = .54).
   * Round 2: [0,1] and [1,0] take 2 and 3 in either way for the same total (3*(1-.6)^2 + 3*(1-.7)^2), [2,3] and [3,2]
   * take 0 and 1; ties go to the lexicographically smallest assignment, so [0,1]+2, [1,0]+3, [2,3]+0, [3,2]+1. The last
   * slice is forced. Scores: [0,1,2,3] .81+.98+.48 = 2.27, [1,0,3,2] .64+.98+.27 = 1.89, [2,3,0,1] .79, [3,2,1,0] .57.
   */
  @Test
  void bipartiteMatchesTheHandComputedSequences() {
    assertThat(SequenceSelection.bipartite(RISING, 2, 2))
        .containsExactly(SliceOrder.of(0, 1, 2, 3), SliceOrder.of(1, 0, 3, 2));
    DeletionPriors falling = new DeletionPriors(new double[] {0.4, 0.3, 0.2, 0.1});
    assertThat(SequenceSelection.bipartite(falling, 2, 2))
        .containsExactly(SliceOrder.of(3, 2, 1, 0), SliceOrder.of(2, 3, 0, 1));
  }

  /**
   * t = 1, priors .7 .2 .1: in round 1 both derangements weigh 4.0, the smaller gives [0,1],[1,2],[2,0]; round 2 is
   * forced. [1,2,0] scores (1-.2) + 2*(1-.3) = 2.2, [2,0,1] scores .9 + 2*.2 = 1.3, [0,1,2] .3 + 2*.1 = .5.
   */
  @Test
  void bipartiteBreaksEqualAssignmentsByTheSmallestOne() {
    DeletionPriors priors = new DeletionPriors(new double[] {0.7, 0.2, 0.1});

    assertThat(SequenceSelection.bipartite(priors, 3, 1))
        .containsExactly(SliceOrder.of(1, 2, 0), SliceOrder.of(2, 0, 1), SliceOrder.of(0, 1, 2));
  }

  @Test
  void bipartiteOrdersFormALatinSquareWhenAllAreKept() {
    List<SliceOrder> orders = SequenceSelection.bipartite(DeletionPriors.uniform(5), 5, 3);

    for (int position = 0; position < 5; position++) {
      Set<Integer> atPosition = new HashSet<>();
      for (SliceOrder order : orders) {
        atPosition.add(order.sliceAt(position));
      }
      assertThat(atPosition).as("slices at position %d", position).hasSize(5);
    }
  }

  @Test
  void selectDispatchesOnTheStrategyAndParsesItsConfigName() {
    assertThat(SequenceSelection.select(SequenceSelection.Strategy.parse("cyclic"), RISING, 2, 1))
        .isEqualTo(SequenceSelection.cyclic(4, 2));
    assertThat(SequenceSelection.select(SequenceSelection.Strategy.parse("bipartite"), RISING, 2, 2))
        .isEqualTo(SequenceSelection.bipartite(RISING, 2, 2));
    assertThatThrownBy(() -> SequenceSelection.Strategy.parse("random"))
        .hasMessage("unknown sequence selection 'random'; use cyclic or bipartite");
  }

  @Test
  void refusesMoreOrdersThanSlicesAndNoDeletions() {
    assertThatThrownBy(() -> SequenceSelection.cyclic(4, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a shard of 4 slices can be trained in 1..4 orders, got 5 sequences");
    assertThatThrownBy(() -> SequenceSelection.bipartite(RISING, 0, 1))
        .hasMessage("a shard of 4 slices can be trained in 1..4 orders, got 0 sequences");
    assertThatThrownBy(() -> SequenceSelection.bipartite(RISING, 2, 0))
        .hasMessage("bipartite selection plans for a finite t > 0 deletions, got 0.0");
    assertThatThrownBy(() -> SequenceSelection.bipartite(RISING, 2, Double.NaN))
        .hasMessage("bipartite selection plans for a finite t > 0 deletions, got NaN");
  }

  @Test
  void hungarianAssignmentEqualsBruteForceOnRandomMatrices() {
    SplittableRandom random = new SplittableRandom(5);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + random.nextInt(6);
      double[][] weights = new double[n][n];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          weights[i][j] = random.nextInt(5) == 0 && i != j ? Double.NEGATIVE_INFINITY : random.nextDouble(-3, 3);
        }
      }
      int[] assigned = Assignment.maximumWeight(weights);
      int[] again = Assignment.maximumWeight(weights);

      assertThat(new HashSet<>(java.util.Arrays.stream(assigned).boxed().toList())).hasSize(n);
      assertThat(again).isEqualTo(assigned);
      assertThat(total(weights, assigned)).isCloseTo(bruteForceBest(weights, new int[n], new boolean[n], 0),
          within(1e-9));
    }
  }

  @Test
  void anAssignmentWithOnlyForbiddenPairsIsRefused() {
    double ninf = Double.NEGATIVE_INFINITY;
    assertThatThrownBy(() -> Assignment.maximumWeight(new double[][] {{ninf, ninf}, {1, 2}}))
        .hasMessage("no assignment avoids the forbidden pairs of this 2x2 weight matrix");
  }

  private static double total(double[][] weights, int[] assigned) {
    double sum = 0;
    for (int i = 0; i < assigned.length; i++) {
      sum += weights[i][assigned[i]];
    }
    return sum;
  }

  private static double bruteForceBest(double[][] weights, int[] assigned, boolean[] taken, int row) {
    if (row == weights.length) {
      return total(weights, assigned);
    }
    double best = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < weights.length; j++) {
      if (!taken[j]) {
        taken[j] = true;
        assigned[row] = j;
        best = Math.max(best, bruteForceBest(weights, assigned, taken, row + 1));
        taken[j] = false;
      }
    }
    return best;
  }
}
