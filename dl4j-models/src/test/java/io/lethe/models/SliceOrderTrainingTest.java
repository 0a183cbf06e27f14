package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.models.Fixtures.RecordingSink;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ShardTrainer} training one shard in several slice orders, as S3T does. */
class SliceOrderTrainingTest {

  private static final List<SliceData> SLICES = Blobs.slices(11, 60, 60, 60);
  private static final ModelSpec SPEC = Fixtures.tinyTabular().build();

  @Test
  void theNaturalOrderTrainsExactlyAsSisaDoes() throws IOException {
    RecordingSink sisa = train(null);
    RecordingSink natural = train(SliceOrder.natural(3));

    assertThat(natural.shas()).isEqualTo(sisa.shas());
    assertThat(natural.provenances).usingRecursiveFieldByFieldElementComparatorIgnoringFields("trainSeconds")
        .isEqualTo(sisa.provenances);
    assertThat(natural.provenances.get(2).formatVersion()).isEqualTo(1);
  }

  @Test
  void ordersSharingAPrefixShareItsCheckpointsAndNoOthers() throws IOException {
    RecordingSink natural = train(SliceOrder.natural(3));
    RecordingSink twoThenRest = train(SliceOrder.of(2, 0, 1));
    RecordingSink twoReversed = train(SliceOrder.of(2, 1, 0));
    RecordingSink zeroTwoOne = train(SliceOrder.of(0, 2, 1));

    assertThat(twoReversed.shas().get(0)).isEqualTo(twoThenRest.shas().get(0));
    assertThat(twoReversed.shas().subList(1, 3)).doesNotContainAnyElementsOf(twoThenRest.shas());
    assertThat(zeroTwoOne.shas().get(0)).isEqualTo(natural.shas().get(0));
    assertThat(zeroTwoOne.shas().subList(1, 3)).doesNotContainAnyElementsOf(natural.shas());
    assertThat(twoThenRest.shas().get(0)).isNotEqualTo(natural.shas().get(0));
  }

  @Test
  void provenanceRecordsTheOrderPrefixAndItsSlicesHashesInTrainingOrder() throws IOException {
    RecordingSink sink = train(SliceOrder.of(2, 0, 1));

    Provenance stage2 = sink.provenances.get(1);
    assertThat(stage2.formatVersion()).isEqualTo(2);
    assertThat(stage2.slice()).isEqualTo(1);
    assertThat(stage2.stage()).isEqualTo(2);
    assertThat(stage2.trainedSlices()).containsExactly(2, 0);
    assertThat(stage2.trainedInNaturalOrder()).isFalse();
    assertThat(stage2.sliceRecordIdsSha256()).containsExactly(
        RecordIds.sha256OfSorted(SLICES.get(2).recordIds()), RecordIds.sha256OfSorted(SLICES.get(0).recordIds()));
    assertThat(stage2.recordCount()).isEqualTo(120);
    assertThat(stage2.parentSha256()).isEqualTo(sink.shas().get(0));
    assertThat(sink.provenances.get(0).parentSha256()).isNull();
    assertThat(sink.provenances.get(2).trainedSlices()).containsExactly(2, 0, 1);
  }

  @Test
  void resumingAnOrderFromOneOfItsStagesEqualsNeverStopping() throws IOException {
    SliceOrder order = SliceOrder.of(1, 2, 0);
    RecordingSink straight = train(order);
    ResumePoint stage1 = ResumePoint.decode(straight.checkpoints.get(0).zipBytes(), straight.provenances.get(0));

    RecordingSink resumed = new RecordingSink();
    TrainingResult result = Fixtures.trainer(SPEC, 2, 3).train(SLICES, order, stage1, resumed);

    assertThat(resumed.shas()).isEqualTo(straight.shas().subList(1, 3));
    assertThat(resumed.provenances.get(0).parentSha256()).isEqualTo(straight.shas().get(0));
    assertThat(result.metrics()).extracting(SliceMetrics::slice).containsExactly(1, 2);
  }

  @Test
  void aStageSharedByTwoOrdersResumesEitherOfThem() throws IOException {
    RecordingSink first = train(SliceOrder.of(2, 0, 1));
    RecordingSink second = train(SliceOrder.of(2, 1, 0));
    ResumePoint shared = ResumePoint.decode(first.checkpoints.get(0).zipBytes(), first.provenances.get(0));

    RecordingSink resumed = new RecordingSink();
    Fixtures.trainer(SPEC, 2, 3).train(SLICES, SliceOrder.of(2, 1, 0), shared, resumed);

    assertThat(resumed.shas()).isEqualTo(second.shas().subList(1, 3));
  }

  @Test
  void refusesToResumeFromAStageOfAnotherOrderOrWithAWrongSizedOrder() throws IOException {
    RecordingSink rotated = train(SliceOrder.of(2, 0, 1));
    Provenance stage2 = rotated.provenances.get(1);
    ResumePoint resume = ResumePoint.decode(rotated.checkpoints.get(1).zipBytes(), stage2);
    ShardTrainer trainer = Fixtures.trainer(SPEC, 2, 3);

    assertThatThrownBy(() -> trainer.train(SLICES, SliceOrder.of(2, 1, 0), resume, new RecordingSink()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Resume checkpoint " + stage2.zipSha256() + " trained on slices [2, 0] in that order, which is"
            + " not a prefix of order [2, 1, 0]; resume an order only from one of its own stages");
    assertThatThrownBy(() -> trainer.train(SLICES, SliceOrder.of(1, 0), null, new RecordingSink()))
        .hasMessage("shard 2 has 3 slices but the order [1, 0] has 2; give an order of all slices 0..2");
  }

  @Test
  void deletingARecordCutsOnlyTheStagesFromItsSliceOn() throws IOException {
    SliceOrder order = SliceOrder.of(2, 0, 1);
    String forgotten = SLICES.get(0).recordIds().get(3);
    RecordingSink before = train(order);
    RecordingSink after = new RecordingSink();

    Fixtures.trainer(SPEC, 2, 3).train(Blobs.without(SLICES, 0, forgotten), order, null, after);

    assertThat(after.shas().get(0)).isEqualTo(before.shas().get(0));
    assertThat(after.shas().get(1)).isNotEqualTo(before.shas().get(1));
    assertThat(after.shas().get(2)).isNotEqualTo(before.shas().get(2));
    assertThat(order.longestPrefixAvoiding(List.of(0))).isEqualTo(1);
  }

  private static RecordingSink train(SliceOrder order) throws IOException {
    RecordingSink sink = new RecordingSink();
    ShardTrainer trainer = Fixtures.trainer(SPEC, 2, 3);
    if (order == null) {
      trainer.train(SLICES, null, sink);
    } else {
      trainer.train(SLICES, order, null, sink);
    }
    return sink;
  }
}
