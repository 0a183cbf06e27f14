package io.lethe.prep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ContentHasherTest {
  @Test
  void hashesTheDocumentedByteLayout() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.write("a-1".getBytes(StandardCharsets.UTF_8));
    out.write(0);
    out.write("s\u00e9".getBytes(StandardCharsets.UTF_8));
    out.write(0);
    out.writeInt(3);
    out.writeFloat(0.5f);
    out.writeFloat(-2f);
    out.write("a-2".getBytes(StandardCharsets.UTF_8));
    out.write(0);
    out.write("t".getBytes(StandardCharsets.UTF_8));
    out.write(0);
    out.writeInt(0);
    out.writeFloat(1f);
    out.writeFloat(Float.MIN_VALUE);
    String expected = HexFormat.of().formatHex(Sha256.newDigest().digest(bytes.toByteArray()));

    ContentHasher hasher = new ContentHasher()
        .update("a-1", "s\u00e9", 3, new float[] {0.5f, -2f})
        .update("a-2", "t", 0, new float[] {1f, Float.MIN_VALUE});

    assertThat(hasher.hex()).isEqualTo(expected);
    assertThat(hasher.rows()).isEqualTo(2);
    assertThat(new ContentHasher().hex())
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  @Test
  void dependsOnRowOrderAndEveryField() {
    String base = new ContentHasher().update("a", "s", 1, new float[] {1f}).update("b", "s", 1, new float[] {2f})
        .hex();
    assertThat(new ContentHasher().update("b", "s", 1, new float[] {2f}).update("a", "s", 1, new float[] {1f})
        .hex()).isNotEqualTo(base);
    assertThat(new ContentHasher().update("a", "s", 1, new float[] {1f}).update("b", "s", 2, new float[] {2f})
        .hex()).isNotEqualTo(base);
    assertThat(new ContentHasher().update("a", "t", 1, new float[] {1f}).update("b", "s", 1, new float[] {2f})
        .hex()).isNotEqualTo(base);
    assertThat(new ContentHasher().update("a", "s", 1, new float[] {1f}).update("b", "s", 1, new float[] {-2f})
        .hex()).isNotEqualTo(base);
  }

  @Test
  void refusesRowsAfterItIsFinished() {
    ContentHasher hasher = new ContentHasher().update("a", "s", 1, new float[] {1f});
    String hex = hasher.hex();
    assertThat(hasher.hex()).isEqualTo(hex);
    assertThatThrownBy(() -> hasher.update("b", "s", 1, new float[] {1f}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("This hash was already finished by hex(); start a new ContentHasher.");
  }
}
