package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SliceOrderTest {

  @Test
  void naturalOrderIsSisasAndPrefixesAreItsStages() {
    SliceOrder natural = SliceOrder.natural(4);

    assertThat(natural.slices()).containsExactly(0, 1, 2, 3);
    assertThat(natural.isNatural()).isTrue();
    assertThat(natural.prefix(0)).isEmpty();
    assertThat(natural.prefix(2)).containsExactly(0, 1);
    assertThat(natural.stageOf(0)).isEqualTo(1);
    assertThat(natural.stageOf(3)).isEqualTo(4);
    assertThat(SliceOrder.of(1, 0, 2, 3).isNatural()).isFalse();
  }

  @Test
  void longestPrefixAvoidingCutsBeforeTheEarliestDeletedSlice() {
    SliceOrder rotated = SliceOrder.of(2, 3, 0, 1);

    assertThat(rotated.longestPrefixAvoiding(Set.of())).isEqualTo(4);
    assertThat(rotated.longestPrefixAvoiding(Set.of(1))).isEqualTo(3);
    assertThat(rotated.longestPrefixAvoiding(Set.of(1, 0))).isEqualTo(2);
    assertThat(rotated.longestPrefixAvoiding(Set.of(0, 3))).isEqualTo(1);
    assertThat(rotated.longestPrefixAvoiding(Set.of(1, 2))).isZero();
    assertThat(SliceOrder.natural(4).longestPrefixAvoiding(Set.of(1, 3))).isEqualTo(1);
  }

  @Test
  void jsonFormIsTheListOfSlices() {
    SliceOrder order = SliceOrder.of(2, 0, 1);

    assertThat(order.toJson()).isEqualTo("{\"slices\":[2,0,1]}");
    assertThat(SliceOrder.fromJson("{\"slices\":[2,0,1]}")).isEqualTo(order);
    assertThat(order).hasToString("[2, 0, 1]");
  }

  @Test
  void refusesAnythingButAPermutation() {
    assertThatThrownBy(() -> SliceOrder.of(0, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slice order [0, 2] holds 2, outside 0..1; an order of 2 slices is a permutation of 0..1");
    assertThatThrownBy(() -> SliceOrder.of(1, 1, 0))
        .hasMessage("slice order [1, 1, 0] holds slice 1 twice; an order is a permutation of 0..2");
    assertThatThrownBy(() -> SliceOrder.of())
        .hasMessage("a slice order needs at least one slice, got []");
    assertThatThrownBy(() -> SliceOrder.fromJson("{\"slices\":[0,0]}"))
        .hasMessage("Invalid slice order JSON: slice order [0, 0] holds slice 0 twice;"
            + " an order is a permutation of 0..1");
    assertThatThrownBy(() -> SliceOrder.fromJson("{}"))
        .hasMessageStartingWith("Invalid slice order JSON: ");
    assertThatThrownBy(() -> SliceOrder.natural(3).stageOf(3))
        .hasMessage("slice 3 is not in order [0, 1, 2] (slices 0..2)");
    assertThatThrownBy(() -> SliceOrder.natural(3).prefix(4))
        .hasMessage("a prefix of order [0, 1, 2] has length 0..3, got 4");
  }

  @Test
  void aNaturalPrefixStartsAtSliceZeroAndCountsUp() {
    assertThat(SliceOrder.isNaturalPrefix(List.of())).isTrue();
    assertThat(SliceOrder.isNaturalPrefix(List.of(0, 1))).isTrue();
    assertThat(SliceOrder.isNaturalPrefix(List.of(1))).isFalse();
  }
}
