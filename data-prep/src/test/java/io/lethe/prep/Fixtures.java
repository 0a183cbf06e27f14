package io.lethe.prep;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Tiny seeded input files for the tests. */
final class Fixtures {
  private Fixtures() {}

  /** The bytes of an IDX image file holding {@code count} images of rows x columns, pixel i = (seed + i) % 256. */
  static byte[] idxImages(int count, int rows, int columns, int seed) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(IdxReader.IMAGES_MAGIC);
      out.writeInt(count);
      out.writeInt(rows);
      out.writeInt(columns);
      for (int i = 0; i < count * rows * columns; i++) {
        out.write((seed + i) % 256);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The bytes of an IDX label file holding the given labels. */
  static byte[] idxLabels(int... labels) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(IdxReader.LABELS_MAGIC);
      out.writeInt(labels.length);
      for (int label : labels) {
        out.write(label);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static byte[] gzip(byte[] raw) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(bytes)) {
      out.write(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static Path write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
      return Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path writeLines(Path file, String... lines) {
    return write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** A fake Fashion-MNIST directory: gzip IDX files of 3x3 images, labels cycling through {@code classes}. */
  static Path fashionMnistDir(Path dir, int trainCount, int testCount, int classes) {
    write(dir.resolve(FashionMnist.TRAIN_IMAGES), gzip(idxImages(trainCount, 3, 3, 1)));
    write(dir.resolve(FashionMnist.TRAIN_LABELS), gzip(idxLabels(cycle(trainCount, classes))));
    write(dir.resolve(FashionMnist.TEST_IMAGES), gzip(idxImages(testCount, 3, 3, 2)));
    write(dir.resolve(FashionMnist.TEST_LABELS), gzip(idxLabels(cycle(testCount, classes))));
    return dir;
  }

  private static int[] cycle(int count, int classes) {
    int[] labels = new int[count];
    for (int i = 0; i < count; i++) {
      labels[i] = i % classes;
    }
    return labels;
  }

  /**
   * A CSV with header {@code id,subject,label,f0..f3}: ids r000.., subjects s0..s(subjects-1) in turn, labels
   * 0..2 in turn, seeded random features.
   */
  static Path exampleCsv(Path file, int rows, int subjects, long seed) {
    Random random = new Random(seed);
    List<String> lines = new ArrayList<>();
    lines.add("id,subject,label,f0,f1,f2,f3");
    for (int i = 0; i < rows; i++) {
      lines.add(String.format(Locale.ROOT, "r%03d,s%d,%d,%.4f,%.4f,%.4f,%.4f", i, i % subjects, i % 3,
          random.nextGaussian(), random.nextGaussian(), random.nextGaussian(), random.nextGaussian()));
    }
    return writeLines(file, lines.toArray(String[]::new));
  }
}
