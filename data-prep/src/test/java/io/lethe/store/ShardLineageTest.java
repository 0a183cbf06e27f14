package io.lethe.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShardLineageTest {
  /** Rows of a checkpoint named c<sequence>-<stage>: the stage times ten. */
  static long rows(String checkpoint) {
    return 10L * Integer.parseInt(checkpoint.substring(checkpoint.indexOf('-') + 1));
  }

  static ShardLineage.Sequence trained(int index, Integer... order) {
    List<String> chain = new java.util.ArrayList<>();
    for (int stage = 1; stage <= order.length; stage++) {
      chain.add("c" + index + "-" + stage);
    }
    return new ShardLineage.Sequence(List.of(order), chain);
  }

  /** Four cyclic orders of four slices. */
  static ShardLineage cyclic() {
    return ShardLineage.serving(3, List.of(trained(0, 0, 1, 2, 3), trained(1, 1, 2, 3, 0), trained(2, 2, 3, 0, 1),
        trained(3, 3, 0, 1, 2)), ShardLineageTest::rows);
  }

  @Test
  void aFreshLineageServesTheFullFirstSequence() {
    ShardLineage lineage = cyclic();
    assertThat(lineage.served()).contains(new ShardLineage.Prefix(0, 4));
    assertThat(lineage.servedCheckpoint()).isEqualTo("c0-4");
    assertThat(lineage.trainRows()).isEqualTo(40);
    assertThat(lineage.servesFullLineage(4)).isTrue();
    assertThat(lineage.checkpoints()).hasSize(16);
  }

  @Test
  void theLongestCleanPrefixAvoidsEveryDeletedSliceAndTiesGoToTheLowestSequence() {
    ShardLineage lineage = cyclic();
    // Slice 0 deleted: order 1 (1,2,3,0) keeps 3 stages.
    assertThat(lineage.longestCleanPrefix(Set.of(0))).contains(new ShardLineage.Prefix(1, 3));
    // Slices 0 and 2: order 1 keeps (1), order 3 keeps (3); a tie at 1 goes to order 1.
    assertThat(lineage.longestCleanPrefix(Set.of(0, 2))).contains(new ShardLineage.Prefix(1, 1));
    // Slices 1 and 3: orders 0 (0) and 2 (2) keep one stage each; order 0 wins.
    assertThat(lineage.longestCleanPrefix(Set.of(3, 1))).contains(new ShardLineage.Prefix(0, 1));
    assertThat(lineage.longestCleanPrefix(Set.of(0, 1, 2, 3))).isEmpty();
  }

  @Test
  void deactivationCutsEverySequenceBeforeItsFirstDeletedSliceAndServesTheLongestClean() {
    ShardLineage cut = cyclic().deactivate(Set.of(2), ShardLineageTest::rows);
    assertThat(cut.sequences()).extracting(ShardLineage.Sequence::stages).containsExactly(2, 1, 0, 3);
    assertThat(cut.served()).contains(new ShardLineage.Prefix(3, 3));
    assertThat(cut.servedSlices()).containsExactly(3, 0, 1);
    assertThat(cut.trainRows()).isEqualTo(30);
    assertThat(cut.servesFullLineage(4)).isFalse();

    ShardLineage again = cut.deactivate(Set.of(3), ShardLineageTest::rows);
    assertThat(again.served()).contains(new ShardLineage.Prefix(0, 2));

    ShardLineage none = again.deactivate(Set.of(0, 1), ShardLineageTest::rows);
    assertThat(none.isServed()).isFalse();
    assertThat(none.served()).isEmpty();
    assertThat(none.checkpoints()).isEmpty();
    assertThatThrownBy(none::servedCheckpoint).hasMessage("shard 3 is left out of this generation");
  }

  @Test
  void extendingWithRetrainedStagesServesTheLongestPrefixAgain() {
    ShardLineage cut = cyclic().deactivate(Set.of(2), ShardLineageTest::rows);
    ShardLineage retrained = cut.extend(Map.of(0, List.of("r0-3", "r0-4"), 1, List.of("r1-2", "r1-3", "r1-4"),
        2, List.of("r2-1", "r2-2", "r2-3", "r2-4"), 3, List.of("r3-4")), ShardLineageTest::rows);
    assertThat(retrained.servesFullLineage(4)).isTrue();
    assertThat(retrained.servedCheckpoint()).isEqualTo("r0-4");
    assertThat(retrained.sequences().get(0).checkpoints()).containsExactly("c0-1", "c0-2", "r0-3", "r0-4");
  }

  @Test
  void aStageThatWasNotTrainedCannotBeServed() {
    assertThatThrownBy(() -> new ShardLineage(1, List.of(new ShardLineage.Sequence(List.of(0, 1), List.of("a"))), 0,
        2, 5)).hasMessage("shard 1: served (sequence 0, stage 2) is not a trained stage of its 1 sequence(s)");
  }

  @Test
  void theOneChainOfFormatVersionOneReadsAsOneNaturalSequence() {
    ShardLineage legacy = Json.read("{\"shard\":2,\"chain\":[\"a\"],\"servedSlice\":0,\"trainRows\":7}",
        ShardLineage.class, "legacy").withNumSlices(3);
    assertThat(legacy.sequences()).containsExactly(ShardLineage.Sequence.natural(3, List.of("a")));
    assertThat(legacy.served()).contains(new ShardLineage.Prefix(0, 1));
    assertThat(legacy.trainRows()).isEqualTo(7);
  }
}
