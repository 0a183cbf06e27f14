package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StageExamplesTest {

  private static final List<SliceData> SLICES = Blobs.slices(3, 20, 20, 20);

  @Test
  void coversSlicesUpToTheStageOnly() {
    StageExamples stage1 = new StageExamples(SLICES, 1, Blobs.FEATURES, Blobs.CLASSES);

    assertThat(stage1.size()).isEqualTo(40);
    assertThat(stage1.recordIds()).startsWith("r0000").endsWith("r0039");
  }

  @Test
  void removingARecordKeepsTheOrderOfAllOthers() {
    long epochSeed = Seeds.epochSeed(42, 0, 2, 1);
    List<String> before = orderedIds(SLICES, epochSeed);
    List<String> after = orderedIds(Blobs.without(SLICES, 1, "r0025"), epochSeed);

    assertThat(after).hasSize(59).isEqualTo(before.stream().filter(id -> !id.equals("r0025")).toList());
    assertThat(before).isNotEqualTo(SLICES.get(0).recordIds());
    assertThat(orderedIds(SLICES, epochSeed + 1)).isNotEqualTo(before);
  }

  @Test
  void batchesHoldTheOrderedRowsAndOneHotLabels() {
    StageExamples stage = new StageExamples(SLICES, 2, Blobs.FEATURES, Blobs.CLASSES);
    int[] order = stage.epochOrder(7);
    float[] features = new float[2 * Blobs.FEATURES];
    float[] labels = new float[2 * Blobs.CLASSES];

    stage.fillBatch(order, 10, 2, features, labels);

    for (int i = 0; i < 2; i++) {
      int example = order[10 + i];
      SliceData slice = SLICES.get(example / 20);
      int row = example % 20;
      assertThat(Arrays.copyOfRange(features, i * Blobs.FEATURES, (i + 1) * Blobs.FEATURES))
          .isEqualTo(Arrays.copyOfRange(slice.features(), row * Blobs.FEATURES, (row + 1) * Blobs.FEATURES));
      float[] oneHot = new float[Blobs.CLASSES];
      oneHot[slice.labels()[row]] = 1f;
      assertThat(Arrays.copyOfRange(labels, i * Blobs.CLASSES, (i + 1) * Blobs.CLASSES)).isEqualTo(oneHot);
    }
  }

  private static List<String> orderedIds(List<SliceData> slices, long epochSeed) {
    StageExamples stage = new StageExamples(slices, 2, Blobs.FEATURES, Blobs.CLASSES);
    return Arrays.stream(stage.epochOrder(epochSeed)).mapToObj(i -> stage.recordIds().get(i)).toList();
  }
}
