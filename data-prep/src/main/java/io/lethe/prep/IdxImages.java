package io.lethe.prep;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The images of one IDX image file: {@code count} images of {@code rows x columns} unsigned bytes, stored one after
 * the other in {@code pixels}.
 *
 * @param file the file they were read from, for messages
 */
public record IdxImages(String file, int count, int rows, int columns, byte[] pixels) implements Serializable {
  /** Pixels per image: rows times columns. */
  public int pixelsPerImage() {
    return rows * columns;
  }

  /** A copy of one image's pixels, row by row. */
  public byte[] imagePixels(int index) {
    int size = pixelsPerImage();
    return Arrays.copyOfRange(pixels, index * size, (index + 1) * size);
  }
}
