package io.lethe.models;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small specs, trainers and a recording sink shared by the tests. */
final class Fixtures {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-02T03:04:05Z"), ZoneOffset.UTC);
  static final Map<String, String> VERSIONS =
      Map.of("deeplearning4j", "1.0.0-M2.1", "nd4j", "1.0.0-M2.1", "java", "17", "lethe", "test");

  private Fixtures() {
  }

  static ModelSpec.Builder tinyTabular() {
    return ModelSpec.builder()
        .architecture(Architecture.MLP_TABULAR)
        .numFeatures(Blobs.FEATURES)
        .numClasses(Blobs.CLASSES)
        .hiddenLayers(List.of(16))
        .learningRate(1e-2)
        .batchSize(32)
        .epochs(3)
        .seed(7);
  }

  static ShardTrainer trainer(ModelSpec spec, int shard, int numSlices) {
    return ShardTrainer.builder()
        .spec(spec)
        .shard(shard)
        .numSlices(numSlices)
        .nativeThreads(1)
        .libraryVersions(VERSIONS)
        .clock(CLOCK)
        .build();
  }

  /** Keeps every checkpoint it is given, in order. */
  static final class RecordingSink implements CheckpointSink {
    final List<EncodedCheckpoint> checkpoints = new ArrayList<>();
    final List<Provenance> provenances = new ArrayList<>();

    @Override
    public void accept(EncodedCheckpoint checkpoint, Provenance provenance) throws IOException {
      checkpoints.add(checkpoint);
      provenances.add(provenance);
    }

    List<String> shas() {
      return checkpoints.stream().map(EncodedCheckpoint::sha256).toList();
    }
  }
}
