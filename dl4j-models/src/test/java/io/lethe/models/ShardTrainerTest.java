package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.models.Fixtures.RecordingSink;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShardTrainerTest {

  private static final List<SliceData> SLICES = Blobs.slices(11, 60, 60, 60);
  private static final CheckpointSink SINK = (checkpoint, provenance) -> {
    throw new AssertionError("a rejected training must not emit checkpoints");
  };

  @Test
  void trainingTwiceGivesIdenticalCheckpoints() throws IOException {
    ModelSpec spec = Fixtures.tinyTabular().build();
    RecordingSink first = new RecordingSink();
    RecordingSink second = new RecordingSink();

    Fixtures.trainer(spec, 2, 3).train(SLICES, null, first);
    Fixtures.trainer(spec, 2, 3).train(SLICES, null, second);

    assertThat(first.shas()).hasSize(3).doesNotHaveDuplicates();
    assertThat(second.shas()).isEqualTo(first.shas());
  }

  @Test
  void resumingFromADecodedCheckpointEqualsNeverStopping() throws IOException {
    assertResumeEqualsStraightRun(Fixtures.tinyTabular().build());
  }

  @Test
  void resumingWithDropoutEqualsNeverStopping() throws IOException {
    assertResumeEqualsStraightRun(Fixtures.tinyTabular().hiddenLayers(List.of(16, 8)).dropout(0.3).build());
  }

  private static void assertResumeEqualsStraightRun(ModelSpec spec) throws IOException {
    RecordingSink straight = new RecordingSink();
    Fixtures.trainer(spec, 1, 3).train(SLICES, null, straight);

    RecordingSink resumed = new RecordingSink();
    ResumePoint fromSlice1 = ResumePoint.decode(straight.checkpoints.get(1).zipBytes(), straight.provenances.get(1));
    TrainingResult result = Fixtures.trainer(spec, 1, 3).train(SLICES, fromSlice1, resumed);

    assertThat(resumed.shas()).containsExactly(straight.shas().get(2));
    assertThat(resumed.provenances.get(0).parentSha256()).isEqualTo(straight.shas().get(1));
    assertThat(result.metrics()).extracting(SliceMetrics::slice).containsExactly(2);
  }

  @Test
  void deletingARecordOfSlice2ChangesOnlyTheSlice2Checkpoint() throws IOException {
    ModelSpec spec = Fixtures.tinyTabular().build();
    String forgotten = SLICES.get(2).recordIds().get(17);
    RecordingSink before = new RecordingSink();
    RecordingSink after = new RecordingSink();

    Fixtures.trainer(spec, 0, 3).train(SLICES, null, before);
    Fixtures.trainer(spec, 0, 3).train(Blobs.without(SLICES, 2, forgotten), null, after);

    assertThat(after.shas().subList(0, 2)).isEqualTo(before.shas().subList(0, 2));
    assertThat(after.shas().get(2)).isNotEqualTo(before.shas().get(2));
    assertThat(after.provenances.get(2).recordCount()).isEqualTo(179);
    assertThat(after.provenances.get(2).recordIdsSha256())
        .isNotEqualTo(before.provenances.get(2).recordIdsSha256());
  }

  @Test
  void modelLearnsSeparableBlobs() throws IOException {
    ModelSpec spec = Fixtures.tinyTabular().epochs(6).build();

    TrainingResult result = Fixtures.trainer(spec, 0, 3).train(SLICES, null, new RecordingSink());

    SliceMetrics last = result.metrics().get(2);
    assertThat(last.examples()).isEqualTo(180);
    assertThat(last.epochs()).isEqualTo(3);
    assertThat(last.trainAccuracy()).isGreaterThan(0.9);
    assertThat(last.loss()).isLessThan(result.metrics().get(0).loss());
  }

  @Test
  void provenanceDescribesEachCheckpoint() throws IOException {
    ModelSpec spec = Fixtures.tinyTabular().build();
    RecordingSink sink = new RecordingSink();

    TrainingResult result = Fixtures.trainer(spec, 4, 3).train(SLICES, null, sink);

    assertThat(result.checkpoints()).isEqualTo(sink.provenances);
    Provenance slice1 = sink.provenances.get(1);
    assertThat(slice1.formatVersion()).isEqualTo(1);
    assertThat(slice1.shard()).isEqualTo(4);
    assertThat(slice1.slice()).isEqualTo(1);
    assertThat(sink.provenances.get(0).parentSha256()).isNull();
    assertThat(slice1.parentSha256()).isEqualTo(sink.shas().get(0));
    assertThat(slice1.zipSha256()).isEqualTo(sink.shas().get(1));
    assertThat(slice1.recordCount()).isEqualTo(120);
    List<String> seen = new java.util.ArrayList<>(SLICES.get(0).recordIds());
    seen.addAll(SLICES.get(1).recordIds());
    assertThat(slice1.recordIdsSha256()).isEqualTo(RecordIds.sha256OfSorted(seen));
    assertThat(slice1.sliceRecordIdsSha256()).containsExactly(
        RecordIds.sha256OfSorted(SLICES.get(0).recordIds()),
        RecordIds.sha256OfSorted(SLICES.get(1).recordIds()));
    assertThat(slice1.configHash()).isEqualTo(spec.configHash());
    assertThat(slice1.modelSpecJson()).isEqualTo(spec.toJson());
    assertThat(slice1.seed()).isEqualTo(7);
    assertThat(slice1.nativeThreads()).isEqualTo(1);
    assertThat(slice1.backend()).isEqualTo("CpuBackend");
    assertThat(slice1.device()).isEqualTo("cpu");
    assertThat(slice1.libraryVersions()).isEqualTo(Fixtures.VERSIONS);
    assertThat(slice1.createdAt()).isEqualTo("2025-01-02T03:04:05Z");
    assertThat(slice1.loss()).isEqualTo(result.metrics().get(1).loss());
    assertThat(slice1.trainAccuracy()).isEqualTo(result.metrics().get(1).trainAccuracy());
  }

  @Test
  void emptyLeadingSliceStillGetsItsOwnCheckpoint() throws IOException {
    List<SliceData> slices = List.of(SliceData.empty(0), SLICES.get(1), SLICES.get(2));
    RecordingSink sink = new RecordingSink();

    TrainingResult result = Fixtures.trainer(Fixtures.tinyTabular().build(), 0, 3).train(slices, null, sink);

    assertThat(sink.shas()).hasSize(3).doesNotHaveDuplicates();
    assertThat(sink.provenances.get(0).recordCount()).isZero();
    assertThat(sink.provenances.get(0).recordIdsSha256())
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assertThat(result.metrics().get(0).loss()).isNaN();
    assertThat(result.metrics().get(0).trainAccuracy()).isNaN();
    assertThat(result.metrics().get(1).examples()).isEqualTo(60);
  }

  @Test
  void resumingFromTheLastSliceTrainsNothing() throws IOException {
    ModelSpec spec = Fixtures.tinyTabular().build();
    RecordingSink straight = new RecordingSink();
    Fixtures.trainer(spec, 0, 3).train(SLICES, null, straight);
    ResumePoint last = ResumePoint.decode(straight.checkpoints.get(2).zipBytes(), straight.provenances.get(2));

    RecordingSink resumed = new RecordingSink();
    TrainingResult result = Fixtures.trainer(spec, 0, 3).train(SLICES, last, resumed);

    assertThat(resumed.checkpoints).isEmpty();
    assertThat(result.checkpoints()).isEmpty();
    assertThat(result.finalModel()).isSameAs(last.model());
  }

  @Test
  void refusesToResumeFromACheckpointThatSawADeletedRecord() throws IOException {
    ModelSpec spec = Fixtures.tinyTabular().build();
    RecordingSink straight = new RecordingSink();
    Fixtures.trainer(spec, 0, 3).train(SLICES, null, straight);
    Provenance slice1 = straight.provenances.get(1);
    ResumePoint resume = ResumePoint.decode(straight.checkpoints.get(1).zipBytes(), slice1);
    List<SliceData> afterDeletion = Blobs.without(SLICES, 1, SLICES.get(1).recordIds().get(0));

    assertThatThrownBy(() -> Fixtures.trainer(spec, 0, 3).train(afterDeletion, resume, new RecordingSink()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Resume checkpoint " + slice1.zipSha256() + " saw slice 1 records hashing to "
            + slice1.sliceRecordIdsSha256().get(1) + " but the given slice 1 hashes to "
            + RecordIds.sha256OfSorted(afterDeletion.get(1).recordIds())
            + "; resume from the checkpoint of an earlier, unchanged slice, or retrain from scratch");
  }

  @Test
  void refusesToResumeWithAnotherSpecOrShardOrSliceCount() throws IOException {
    ModelSpec spec = Fixtures.tinyTabular().build();
    RecordingSink straight = new RecordingSink();
    Fixtures.trainer(spec, 0, 3).train(SLICES, null, straight);
    Provenance slice0 = straight.provenances.get(0);
    String name = "Resume checkpoint " + slice0.zipSha256();
    ModelSpec otherSpec = Fixtures.tinyTabular().learningRate(0.5).build();
    List<SliceData> fiveSlices = List.of(SLICES.get(0), SLICES.get(1), SLICES.get(2), SliceData.empty(3),
        SliceData.empty(4));

    assertThatThrownBy(() -> Fixtures.trainer(spec, 1, 3).train(SLICES, resumeAt(straight, 0), SINK))
        .hasMessage(name + " belongs to shard 0, not shard 1; resume each shard from its own checkpoints");
    assertThatThrownBy(() -> Fixtures.trainer(otherSpec, 0, 3).train(SLICES, resumeAt(straight, 0), SINK))
        .hasMessage(name + " was trained with config " + spec.configHash() + " but this trainer's spec hashes to "
            + otherSpec.configHash() + "; resume only with the same model spec, or retrain the shard from scratch");
    // 3 epochs: 2 per slice with 3 slices, 1 per slice with 5.
    assertThatThrownBy(() -> Fixtures.trainer(spec, 0, 5).train(fiveSlices, resumeAt(straight, 0), SINK))
        .hasMessage(name + " has trained 2 epochs, but with numSlices 5 a checkpoint of slice 0 has trained 1"
            + "; resume with the numSlices it was trained with");
  }

  private static ResumePoint resumeAt(RecordingSink sink, int slice) throws IOException {
    return ResumePoint.decode(sink.checkpoints.get(slice).zipBytes(), sink.provenances.get(slice));
  }

  @Test
  void rejectsSlicesThatDoNotFitTheSpec() {
    ShardTrainer trainer = Fixtures.trainer(Fixtures.tinyTabular().build(), 3, 3);
    SliceData badLabel = new SliceData(1, List.of("x"), new float[Blobs.FEATURES], new int[] {3});
    SliceData duplicate = new SliceData(1, List.of(SLICES.get(0).recordIds().get(5)),
        new float[Blobs.FEATURES], new int[] {0});
    SliceData narrow = new SliceData(1, List.of("x", "y"), new float[10], new int[] {0, 1});

    assertThatThrownBy(() -> trainer.train(SLICES, null, null))
        .hasMessage("train needs a CheckpointSink to hand each slice's checkpoint to, got null");
    assertThatThrownBy(() -> trainer.train(SLICES.subList(0, 2), null, SINK))
        .hasMessage("shard 3 got 2 slices but numSlices is 3; pass every slice 0..2, empty ones as SliceData.empty(i)");
    assertThatThrownBy(() -> trainer.train(List.of(SLICES.get(0), SLICES.get(2), SLICES.get(1)), null, SINK))
        .hasMessage("shard 3 got slice 2 at position 1; pass the slices in order 0..2");
    assertThatThrownBy(() -> trainer.train(List.of(SLICES.get(0), badLabel, SLICES.get(2)), null, SINK))
        .hasMessage("shard 3 slice 1 record 'x' has label 3, outside 0..2 for numClasses 3");
    assertThatThrownBy(() -> trainer.train(List.of(SLICES.get(0), duplicate, SLICES.get(2)), null, SINK))
        .hasMessage("shard 3 holds record id 'r0005' twice (slices 0 and 1); record ids must be unique,"
            + " or deleting one could not name what to forget");
    assertThatThrownBy(() -> trainer.train(List.of(SLICES.get(0), narrow, SLICES.get(2)), null, SINK))
        .hasMessage("shard 3 slice 1 has 10 feature values for 2 rows, but the spec's numFeatures 20 needs 40");
  }

  @Test
  void cnnTrainsOnFlatImageRowsAndResumesExactly() throws IOException {
    ModelSpec spec = ModelSpec.builder()
        .architecture(Architecture.CNN_IMAGE)
        .numClasses(2)
        .hiddenLayers(List.of(8))
        .batchSize(4)
        .epochs(1)
        .seed(3)
        .build();
    List<SliceData> images = List.of(stripes(0, 0, 6), stripes(1, 6, 6));
    RecordingSink straight = new RecordingSink();

    TrainingResult result = Fixtures.trainer(spec, 0, 2).train(images, null, straight);
    RecordingSink resumed = new RecordingSink();
    Fixtures.trainer(spec, 0, 2).train(images, resumeAt(straight, 0), resumed);

    assertThat(result.finalModel().getnLayers()).isEqualTo(6);
    assertThat(result.metrics().get(1).examples()).isEqualTo(12);
    assertThat(resumed.shas()).containsExactly(straight.shas().get(1));
  }

  /** 28x28 images, label 0 with horizontal and label 1 with vertical stripes. */
  private static SliceData stripes(int slice, int firstId, int rows) {
    float[] features = new float[rows * 784];
    int[] labels = new int[rows];
    List<String> ids = new java.util.ArrayList<>();
    for (int row = 0; row < rows; row++) {
      labels[row] = row % 2;
      ids.add("img" + (firstId + row));
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          int along = labels[row] == 0 ? y : x;
          features[row * 784 + y * 28 + x] = (along + row) % 4 < 2 ? 1f : 0f;
        }
      }
    }
    return new SliceData(slice, ids, features, labels);
  }
}
