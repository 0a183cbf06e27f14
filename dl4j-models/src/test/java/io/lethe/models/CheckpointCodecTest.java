package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.lethe.models.Fixtures.RecordingSink;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CheckpointCodecTest {

  private static MultiLayerNetwork trained;
  private static EncodedCheckpoint checkpoint;

  /** 3 epochs over 2 slices: 2 epochs a stage; 2 + 4 minibatches of 32 an epoch, so 12 iterations, 4 epochs. */
  @BeforeAll
  static void trainOneShard() throws IOException {
    ModelSpec spec = Fixtures.tinyTabular().dropout(0.2).build();
    RecordingSink sink = new RecordingSink();
    trained = Fixtures.trainer(spec, 0, 2).train(Blobs.slices(5, 50, 50), null, sink).finalModel();
    checkpoint = sink.checkpoints.get(1);
  }

  @Test
  void roundTripKeepsParametersUpdaterStateAndCounters() throws IOException {
    MultiLayerNetwork decoded = CheckpointCodec.decode(checkpoint.zipBytes(), checkpoint.sha256());

    assertThat(decoded.params()).isEqualTo(trained.params());
    assertThat(decoded.getUpdater().getStateViewArray()).isEqualTo(trained.getUpdater().getStateViewArray());
    assertThat(decoded.getIterationCount()).isEqualTo(trained.getIterationCount()).isEqualTo(12);
    assertThat(decoded.getEpochCount()).isEqualTo(4);
    assertThat(CheckpointCodec.encode(decoded).sha256()).isEqualTo(checkpoint.sha256());
  }

  @Test
  void writesExactlyTheThreeModelSerializerEntriesInOrderWithAFixedTimeAndNoExtraFields() throws IOException {
    List<String> names = new ArrayList<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(checkpoint.zipBytes()))) {
      for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        names.add(entry.getName());
        assertThat(entry.getMethod()).isEqualTo(ZipEntry.STORED);
        assertThat(entry.getExtra()).isNull();
        assertThat(entry.getTimeLocal()).hasToString("2000-01-01T00:00");
      }
    }
    assertThat(names).containsExactly("configuration.json", "coefficients.bin", "updaterState.bin");
  }

  @Test
  void dl4jModelSerializerLoadsTheCheckpoint() throws IOException {
    MultiLayerNetwork restored =
        ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(checkpoint.zipBytes()), true);

    assertThat(restored.params()).isEqualTo(trained.params());
    assertThat(restored.getUpdater().getStateViewArray()).isEqualTo(trained.getUpdater().getStateViewArray());
    assertThat(restored.getIterationCount()).isEqualTo(12);
  }

  @Test
  void refusesBytesThatDoNotMatchTheirHash() {
    byte[] tampered = checkpoint.zipBytes().clone();
    tampered[tampered.length / 2] ^= 1;

    assertThatThrownBy(() -> CheckpointCodec.decode(tampered, checkpoint.sha256()))
        .isInstanceOf(InvalidCheckpointException.class)
        .hasMessage("Checkpoint " + checkpoint.sha256() + " is corrupt: its bytes hash to "
            + CheckpointCodec.sha256Hex(tampered)
            + ". Delete it and retrain the shard, or restore it from backup.");
  }

  @Test
  void refusesAnEntryDl4jWouldJavaDeserialize() throws IOException {
    byte[] withNormalizer = copyWithExtraEntry(checkpoint.zipBytes(), "normalizer.bin");
    String sha = CheckpointCodec.sha256Hex(withNormalizer);

    assertThatThrownBy(() -> CheckpointCodec.decode(withNormalizer, sha))
        .isInstanceOf(InvalidCheckpointException.class)
        .hasMessage("Checkpoint " + sha + " holds unexpected entry 'normalizer.bin'; refusing to load it"
            + " because DL4J would Java-deserialize it. Allowed entries: configuration.json,"
            + " coefficients.bin, updaterState.bin.");
  }

  /**
   * A checkpoint written by the first version (tabular-mlp, 4 features, hidden [3], 2 classes, seed 1, one slice of
   * 8 rows, batch 4, 1 epoch): it must keep loading, scoring as it did, and re-encoding to the same address.
   */
  @Test
  void loadsTheVersion1GoldenCheckpoint() throws IOException {
    byte[] zip;
    try (var in = CheckpointCodecTest.class.getResourceAsStream("/golden/checkpoint-v1.zip")) {
      zip = in.readAllBytes();
    }
    String sha = "174c17baf7f988aa834ae16b527c3d18061dec78b6b010398f5d25fb0bbc8fed";

    MultiLayerNetwork golden = CheckpointCodec.decode(zip, sha);
    float[][] probabilities = Scoring.predictProbabilities(golden, new float[] {0, 0, 1, 1, 1, 1, 0, 0}, 2, 4, 1);

    assertThat(golden.getIterationCount()).isEqualTo(2);
    assertThat(golden.getEpochCount()).isEqualTo(1);
    assertThat(probabilities[0]).containsExactly(new float[] {0.4996274f, 0.5003726f}, within(1e-6f));
    assertThat(probabilities[1]).containsExactly(new float[] {0.4521403f, 0.5478597f}, within(1e-6f));
    assertThat(CheckpointCodec.encode(golden).sha256()).isEqualTo(sha);
  }

  @Test
  void sha256HexMatchesAKnownDigest() {
    assertThat(CheckpointCodec.sha256Hex("abc".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  private static byte[] copyWithExtraEntry(byte[] zipBytes, String extraName) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zipBytes));
        ZipOutputStream zip = new ZipOutputStream(out)) {
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        zip.putNextEntry(new ZipEntry(entry.getName()));
        zip.write(in.readAllBytes());
      }
      zip.putNextEntry(new ZipEntry(extraName));
      zip.write(new byte[] {(byte) 0xAC, (byte) 0xED, 0, 5});
    }
    return out.toByteArray();
  }
}
