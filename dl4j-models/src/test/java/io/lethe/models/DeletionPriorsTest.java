package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class DeletionPriorsTest {

  @Test
  void uniformSpreadsDeletionsEvenly() {
    assertThat(DeletionPriors.uniform(4).perSlice()).containsExactly(0.25, 0.25, 0.25, 0.25);
  }

  @Test
  void rowPriorSumsBecomeTheShareOfDeletionsPerSlice() {
    DeletionPriors priors = DeletionPriors.fromRowPriors(new double[] {1.0, 3.0, 0.0, 0.0});

    assertThat(priors.perSlice()).containsExactly(0.25, 0.75, 0.0, 0.0);
    assertThat(DeletionPriors.fromRowPriors(new double[] {0, 0})).isEqualTo(DeletionPriors.uniform(2));
  }

  @Test
  void deletionCountsAreLaplaceSmoothed() {
    DeletionPriors priors = DeletionPriors.fromDeletionCounts(new long[] {0, 2, 0, 1});

    assertThat(priors.perSlice()).containsExactly(new double[] {1 / 7.0, 3 / 7.0, 1 / 7.0, 2 / 7.0}, within(1e-12));
    assertThat(DeletionPriors.fromDeletionCounts(new long[3])).isEqualTo(DeletionPriors.uniform(3));
  }

  @Test
  void refusesValuesThatAreNotADistribution() {
    assertThatThrownBy(() -> new DeletionPriors(new double[] {0.5, 0.6}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("deletion priors [0.5, 0.6] sum to 1.1");
    assertThatThrownBy(() -> new DeletionPriors(new double[] {1.5, -0.5}))
        .hasMessage("deletion prior of slice 0 is 1.5; a probability lies in [0, 1]");
    assertThatThrownBy(() -> DeletionPriors.fromRowPriors(new double[] {1, Double.NaN}))
        .hasMessage("the deletion prior sum of slice 1 is NaN; row priors are probabilities, so their sum is finite"
            + " and >= 0");
    assertThatThrownBy(() -> DeletionPriors.fromDeletionCounts(new long[] {1, -1}))
        .hasMessage("slice 1 has -1 deletions; counts are >= 0");
  }

  @Test
  void perSliceIsACopy() {
    DeletionPriors priors = DeletionPriors.uniform(2);
    priors.perSlice()[0] = 1;

    assertThat(priors.of(0)).isEqualTo(0.5);
  }
}
