package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AggregationTest {

  // Three models, two rows, three classes; values are exact in binary so averages compare exactly.
  private static final float[][] A = {{0.5f, 0.25f, 0.25f}, {0.125f, 0.25f, 0.625f}};
  private static final float[][] B = {{0.25f, 0.5f, 0.25f}, {0.75f, 0.125f, 0.125f}};
  private static final float[][] C = {{0.75f, 0.125f, 0.125f}, {0.125f, 0.625f, 0.25f}};

  @Test
  void meanSoftmaxAveragesAndIgnoresWeights() {
    AggregatedPrediction result = Aggregation.MEAN_SOFTMAX.aggregate(List.of(A, B), new double[] {100, 1});

    assertThat(result.probabilities()).isEqualTo(new float[][] {{0.375f, 0.375f, 0.25f}, {0.4375f, 0.1875f, 0.375f}});
    // row 0 ties between classes 0 and 1: the lower index wins
    assertThat(result.predictions()).containsExactly(0, 0);
  }

  @Test
  void weightedAveragesByWeight() {
    AggregatedPrediction result = Aggregation.WEIGHTED.aggregate(List.of(A, B), new double[] {3, 1});

    assertThat(result.probabilities())
        .isEqualTo(new float[][] {{0.4375f, 0.3125f, 0.25f}, {0.28125f, 0.21875f, 0.5f}});
    assertThat(result.predictions()).containsExactly(0, 2);
  }

  @Test
  void weightedRejectsUnusableWeights() {
    assertThatThrownBy(() -> Aggregation.WEIGHTED.aggregate(List.of(A, B), new double[] {1, -1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weights must be finite and >= 0 with a positive sum, got [1.0, -1.0];"
            + " give each model its shard's record count");
    assertThatThrownBy(() -> Aggregation.WEIGHTED.aggregate(List.of(A, B), new double[] {0, 0}))
        .hasMessage("weights must be finite and >= 0 with a positive sum, got [0.0, 0.0];"
            + " give each model its shard's record count");
    assertThatThrownBy(() -> Aggregation.WEIGHTED.aggregate(List.of(A, B), new double[] {1}))
        .hasMessage("weighted aggregation needs one weight per model: 2 models, got 1 weights");
    assertThatThrownBy(() -> Aggregation.WEIGHTED.aggregate(List.of(A, B), null))
        .hasMessage("weighted aggregation needs one weight per model: 2 models, got no weights");
  }

  @Test
  void majorityVoteCountsArgmaxesAndReportsVoteFractions() {
    AggregatedPrediction result = Aggregation.MAJORITY_VOTE.aggregate(List.of(A, B, C), null);

    // row 0 votes: A->0, B->1, C->0; row 1 votes: A->2, B->0, C->1 (a three-way tie)
    assertThat(result.probabilities()).isEqualTo(new float[][] {{2 / 3f, 1 / 3f, 0f}, {1 / 3f, 1 / 3f, 1 / 3f}});
    // row 1: the three-way tie has equal mean softmax too (each class sums to 1.0), so the lowest class wins
    assertThat(result.predictions()).containsExactly(0, 0);
  }

  @Test
  void majorityVoteBreaksTiesByMeanSoftmaxAmongTheTiedClassesOnly() {
    float[][] x = {{0.4f, 0.35f, 0.25f}};
    float[][] y = {{0.2f, 0.35f, 0.45f}};

    AggregatedPrediction result = Aggregation.MAJORITY_VOTE.aggregate(List.of(x, y), null);

    // one vote each for classes 0 and 2; class 2 has the higher mean (0.35 vs 0.3); class 1 ties that mean but
    // has no vote
    assertThat(result.probabilities()).isEqualTo(new float[][] {{0.5f, 0f, 0.5f}});
    assertThat(result.predictions()).containsExactly(2);
  }

  @Test
  void zeroModelsIsAnError() {
    for (Aggregation aggregation : Aggregation.values()) {
      assertThatThrownBy(() -> aggregation.aggregate(List.of(), new double[0]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("cannot aggregate zero models: every shard is left out of the served generation");
    }
  }

  @Test
  void modelsMustScoreTheSameRowsAndClasses() {
    float[][] oneRow = {{0.5f, 0.25f, 0.25f}};
    float[][] twoClasses = {{0.5f, 0.5f}, {0.5f, 0.5f}};

    assertThatThrownBy(() -> Aggregation.MEAN_SOFTMAX.aggregate(List.of(A, oneRow), null))
        .hasMessage("model 1 scored 1 rows but model 0 scored 2; all models must score the same rows");
    assertThatThrownBy(() -> Aggregation.MEAN_SOFTMAX.aggregate(List.of(A, twoClasses), null))
        .hasMessage("model 1 gives 2 class probabilities for row 0 but model 0 gives 3;"
            + " all models must share one set of classes");
  }

  @Test
  void parsesConfigNames() {
    assertThat(Aggregation.parse("majority-vote")).isEqualTo(Aggregation.MAJORITY_VOTE);
    assertThat(Aggregation.WEIGHTED.configName()).isEqualTo("weighted");
    assertThat(Aggregation.MEAN_SOFTMAX.configName()).isEqualTo("mean-softmax");
    assertThatThrownBy(() -> Aggregation.parse("vote"))
        .hasMessage("Unknown aggregation 'vote'; use one of: mean-softmax, majority-vote, weighted");
  }
}
