package io.lethe.prep;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or raw: unsigned-byte images (magic number
 * {@value #IMAGES_MAGIC}, three dimensions) and unsigned-byte labels (magic number {@value #LABELS_MAGIC}, one
 * dimension). Every defect (wrong magic number, bad dimensions, a truncated file) fails with a message naming the
 * file.
 */
public final class IdxReader {
  public static final int IMAGES_MAGIC = 2051;
  public static final int LABELS_MAGIC = 2049;

  private static final int GZIP_MAGIC = 0x1f8b;
  private static final long MAX_BYTES = Integer.MAX_VALUE - 8;
  private static final int CHUNK_BYTES = 1 << 20;

  private IdxReader() {}

  /** Reads an IDX image file from {@code in}; {@code file} names it in messages. Does not close {@code in}. */
  public static IdxImages readImages(InputStream in, String file) {
    try {
      InputStream data = decompressIfGzip(in);
      int magic = readHeader(data, file, 1)[0];
      if (magic != IMAGES_MAGIC) {
        throw new InvalidInputException(file + " is not an IDX image file: its magic number is " + magic
            + ", an image file starts with " + IMAGES_MAGIC + ". Pass the images file (e.g."
            + " train-images-idx3-ubyte.gz) here.");
      }
      int[] dimensions = readHeader(data, file, 3);
      int count = dimensions[0];
      int rows = dimensions[1];
      int columns = dimensions[2];
      if (count < 0 || rows < 1 || columns < 1) {
        throw new InvalidInputException(file + " declares " + count + " images of " + rows + "x" + columns
            + " pixels; an IDX image file needs a non-negative count and positive sizes.");
      }
      long bytes = (long) count * rows * columns;
      String declared = count + " images of " + rows + "x" + columns + " pixels (" + bytes + " bytes)";
      if (bytes > MAX_BYTES) {
        throw new InvalidInputException(file + " declares " + declared + ", more than one IDX file may hold here"
            + " (at most " + MAX_BYTES + " bytes); split it into several files.");
      }
      return new IdxImages(file, count, rows, columns, readData(data, (int) bytes, file, declared));
    } catch (IOException e) {
      throw new InvalidInputException("Cannot read IDX file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads an IDX label file from {@code in}; {@code file} names it in messages. Does not close {@code in}. */
  public static IdxLabels readLabels(InputStream in, String file) {
    try {
      InputStream data = decompressIfGzip(in);
      int magic = readHeader(data, file, 1)[0];
      if (magic != LABELS_MAGIC) {
        throw new InvalidInputException(file + " is not an IDX label file: its magic number is " + magic
            + ", a label file starts with " + LABELS_MAGIC + ". Pass the labels file (e.g."
            + " train-labels-idx1-ubyte.gz) here.");
      }
      int count = readHeader(data, file, 1)[0];
      if (count < 0) {
        throw new InvalidInputException(file + " declares " + count + " labels; the count must not be negative.");
      }
      return new IdxLabels(file, readData(data, count, file, count + " labels (" + count + " bytes)"));
    } catch (IOException e) {
      throw new InvalidInputException("Cannot read IDX file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Fails unless there is exactly one label per image. */
  public static void checkSameCount(IdxImages images, IdxLabels labels) {
    if (images.count() != labels.count()) {
      throw new InvalidInputException(images.file() + " holds " + images.count() + " images but " + labels.file()
          + " holds " + labels.count() + " labels; pass the labels file that belongs to these images.");
    }
  }

  private static InputStream decompressIfGzip(InputStream in) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in);
    buffered.mark(2);
    int first = buffered.read();
    int second = buffered.read();
    buffered.reset();
    return first >= 0 && second >= 0 && ((first << 8) | second) == GZIP_MAGIC
        ? new GZIPInputStream(buffered)
        : buffered;
  }

  /** Reads the next {@code ints} big-endian ints of the header. */
  private static int[] readHeader(InputStream in, String file, int ints) throws IOException {
    byte[] bytes = new byte[ints * Integer.BYTES];
    if (readUpTo(in, bytes, bytes.length) < bytes.length) {
      throw new InvalidInputException(file + " is truncated: it ends inside its IDX header. Copy or download the"
          + " file again.");
    }
    int[] header = new int[ints];
    for (int i = 0; i < ints; i++) {
      int at = i * Integer.BYTES;
      header[i] = (bytes[at] & 0xff) << 24 | (bytes[at + 1] & 0xff) << 16 | (bytes[at + 2] & 0xff) << 8
          | (bytes[at + 3] & 0xff);
    }
    return header;
  }

  /**
   * Reads the {@code length} data bytes the header declares, in chunks, so that a damaged header declaring far more
   * than the file holds fails as truncated instead of allocating the declared size up front.
   */
  private static byte[] readData(InputStream in, int length, String file, String declared) throws IOException {
    ByteArrayOutputStream data = new ByteArrayOutputStream(Math.min(length, CHUNK_BYTES));
    byte[] chunk = new byte[Math.min(length, CHUNK_BYTES)];
    while (data.size() < length) {
      int wanted = Math.min(chunk.length, length - data.size());
      int read = readUpTo(in, chunk, wanted);
      data.write(chunk, 0, read);
      if (read < wanted) {
        throw new InvalidInputException(file + " is truncated: its header declares " + declared + " but only "
            + data.size() + " bytes follow. Copy or download the file again.");
      }
    }
    return data.toByteArray();
  }

  /** Reads up to {@code wanted} bytes into {@code target}; fewer only where the stream ends. */
  private static int readUpTo(InputStream in, byte[] target, int wanted) throws IOException {
    int filled = 0;
    try {
      while (filled < wanted) {
        int read = in.read(target, filled, wanted - filled);
        if (read < 0) {
          break;
        }
        filled += read;
      }
    } catch (EOFException e) {
      // GZIPInputStream reports a cut-off compressed stream this way; what was read so far is all there is.
    }
    return filled;
  }
}
