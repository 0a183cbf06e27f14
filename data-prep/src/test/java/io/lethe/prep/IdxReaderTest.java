package io.lethe.prep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  private static IdxImages images(byte[] bytes) {
    return IdxReader.readImages(new ByteArrayInputStream(bytes), "imgs.idx");
  }

  private static IdxLabels labels(byte[] bytes) {
    return IdxReader.readLabels(new ByteArrayInputStream(bytes), "labels.idx");
  }

  @Test
  void readsRawAndGzipImagesAlike() {
    byte[] raw = Fixtures.idxImages(3, 2, 2, 250);
    for (byte[] bytes : new byte[][] {raw, Fixtures.gzip(raw)}) {
      IdxImages read = images(bytes);
      assertThat(read.count()).isEqualTo(3);
      assertThat(read.rows()).isEqualTo(2);
      assertThat(read.columns()).isEqualTo(2);
      assertThat(read.pixelsPerImage()).isEqualTo(4);
      assertThat(read.imagePixels(1)).containsExactly((byte) 254, (byte) 255, (byte) 0, (byte) 1);
    }
  }

  @Test
  void readsLabelsAsUnsignedBytes() {
    IdxLabels read = labels(Fixtures.gzip(Fixtures.idxLabels(0, 9, 200)));
    assertThat(read.count()).isEqualTo(3);
    assertThat(read.label(1)).isEqualTo(9);
    assertThat(read.label(2)).isEqualTo(200);
  }

  @Test
  void rejectsWrongMagicNumbers() {
    assertThatThrownBy(() -> images(Fixtures.idxLabels(1, 2)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("imgs.idx is not an IDX image file: its magic number is 2049, an image file starts with 2051."
            + " Pass the images file (e.g. train-images-idx3-ubyte.gz) here.");
    assertThatThrownBy(() -> labels(Fixtures.idxImages(1, 2, 2, 0)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("labels.idx is not an IDX label file: its magic number is 2051, a label file starts with 2049."
            + " Pass the labels file (e.g. train-labels-idx1-ubyte.gz) here.");
  }

  @Test
  void rejectsBadDimensions() {
    byte[] bytes = Fixtures.idxImages(1, 2, 2, 0);
    bytes[11] = 0;
    assertThatThrownBy(() -> images(bytes))
        .hasMessage("imgs.idx declares 1 images of 0x2 pixels; an IDX image file needs a non-negative count and"
            + " positive sizes.");
  }

  @Test
  void rejectsTruncatedFilesRawOrGzip() {
    byte[] raw = Fixtures.idxImages(3, 2, 2, 0);
    String message = "imgs.idx is truncated: its header declares 3 images of 2x2 pixels (12 bytes) but only 7"
        + " bytes follow. Copy or download the file again.";
    assertThatThrownBy(() -> images(Arrays.copyOf(raw, 16 + 7))).hasMessage(message);
    byte[] gzip = Fixtures.gzip(Arrays.copyOf(raw, 16 + 7));
    assertThatThrownBy(() -> images(gzip)).hasMessage(message);
    byte[] cutGzip = Fixtures.gzip(raw);
    assertThatThrownBy(() -> images(Arrays.copyOf(cutGzip, cutGzip.length - 12)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("imgs.idx is truncated: its header declares 3 images of 2x2 pixels (12 bytes) but"
            + " only ");
    byte[] hugeHeader = Arrays.copyOf(Fixtures.idxImages(0, 28, 28, 0), 16 + 10);
    hugeHeader[5] = 1;
    assertThatThrownBy(() -> images(hugeHeader))
        .hasMessage("imgs.idx is truncated: its header declares 65536 images of 28x28 pixels (51380224 bytes) but"
            + " only 10 bytes follow. Copy or download the file again.");
    assertThatThrownBy(() -> images(Arrays.copyOf(raw, 10)))
        .hasMessage("imgs.idx is truncated: it ends inside its IDX header. Copy or download the file again.");
    assertThatThrownBy(() -> labels(Arrays.copyOf(Fixtures.idxLabels(1, 2, 3), 10)))
        .hasMessage("labels.idx is truncated: its header declares 3 labels (3 bytes) but only 2 bytes follow. Copy"
            + " or download the file again.");
  }

  @Test
  void rejectsImageAndLabelCountMismatch() {
    IdxImages threeImages = images(Fixtures.idxImages(3, 2, 2, 0));
    IdxLabels twoLabels = labels(Fixtures.idxLabels(1, 2));
    assertThatThrownBy(() -> IdxReader.checkSameCount(threeImages, twoLabels))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("imgs.idx holds 3 images but labels.idx holds 2 labels; pass the labels file that belongs to"
            + " these images.");
  }

  @Test
  void fashionMnistNamesTheMissingFilesAndHowToInstallThem(@TempDir Path dir) {
    Fixtures.write(dir.resolve(FashionMnist.TRAIN_IMAGES), new byte[0]);
    Fixtures.write(dir.resolve(FashionMnist.TEST_IMAGES), new byte[0]);
    assertThatThrownBy(() -> FashionMnist.checkDirectory(dir))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Fashion-MNIST not found in " + dir + " (missing: train-labels-idx1-ubyte.gz,"
            + " t10k-labels-idx1-ubyte.gz): install it with `apt-get install dataset-fashion-mnist` (Debian) or set"
            + " LETHE_FASHION_MNIST_DIR.");
    Path fake = Fixtures.fashionMnistDir(dir.resolve("complete"), 2, 1, 2);
    assertThat(FashionMnist.checkDirectory(fake)).isEqualTo(fake);
  }
}
