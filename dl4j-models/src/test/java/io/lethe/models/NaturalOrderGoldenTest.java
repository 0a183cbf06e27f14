package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.models.Fixtures.RecordingSink;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pins the checkpoint bytes of SISA training in the natural slice order, as recorded with the code from before slice
 * orders existed (commit 69225c8). Stores written by that code must keep matching what B=1 trains today: a change
 * here means every stored checkpoint would be retrained to different bytes and {@code verify --exact} would fail.
 */
class NaturalOrderGoldenTest {

  private static final List<SliceData> SLICES = Blobs.slices(11, 60, 60, 60);

  @Test
  void naturalOrderCheckpointsKeepTheirRecordedBytes() throws IOException {
    RecordingSink sink = new RecordingSink();

    Fixtures.trainer(Fixtures.tinyTabular().build(), 2, 3).train(SLICES, null, sink);

    assertThat(sink.shas()).containsExactly(
        "79fc47396ab46320325178be59b06e15243be68d5d4ad54e55117d848c51f1a1",
        "857fe73e1027afda8dae19f25e43443be29387cde7fb6714897b6cf7307fb9eb",
        "9902f7dac55ecf387aed57ca0bd6d573188c59dc68fa086cf1530d33c2dd7fcb");
  }

  @Test
  void naturalOrderCheckpointsWithDropoutKeepTheirRecordedBytes() throws IOException {
    RecordingSink sink = new RecordingSink();

    Fixtures.trainer(Fixtures.tinyTabular().hiddenLayers(List.of(16, 8)).dropout(0.3).build(), 5, 3)
        .train(SLICES, null, sink);

    assertThat(sink.shas()).containsExactly(
        "e838ab7cdcd98ebd8c46ea2c09679bdb5ccd677126edf003079f4422cefb7fce",
        "e235bb24b291db48aea3c719129937dfce18b3d5c06c900c472fb30e042d0fb1",
        "5b2957334952eec1325b5aa25db43fddd57d5f0bad8e0e8bbe049464c4f6bd73");
  }
}
