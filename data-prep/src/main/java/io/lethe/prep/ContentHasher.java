package io.lethe.prep;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The content hash of a sequence of examples, fed one row at a time: SHA-256 over, for every row in order, the
 * record id, a NUL byte, the subject id, a NUL byte, the label as a 4-byte big-endian int and every feature as its
 * 4-byte big-endian IEEE 754 bits. Two partitions with the same rows in the same order hash alike however their
 * files are laid out; the data manifest records it per shard/slice partition, rows in record_id order.
 */
public final class ContentHasher {
  private static final byte[] SEPARATOR = {0};

  private final MessageDigest digest = Sha256.newDigest();
  private ByteBuffer numbers = ByteBuffer.allocate(0);
  private long rows;
  private String hex;

  /** Adds one row. */
  public ContentHasher update(String recordId, String subjectId, int label, float[] features) {
    if (hex != null) {
      throw new IllegalStateException("This hash was already finished by hex(); start a new ContentHasher.");
    }
    digest.update(recordId.getBytes(StandardCharsets.UTF_8));
    digest.update(SEPARATOR);
    digest.update(subjectId.getBytes(StandardCharsets.UTF_8));
    digest.update(SEPARATOR);
    int bytes = Integer.BYTES * (1 + features.length);
    if (numbers.capacity() < bytes) {
      numbers = ByteBuffer.allocate(bytes);
    }
    numbers.clear();
    numbers.putInt(label);
    for (float feature : features) {
      numbers.putInt(Float.floatToRawIntBits(feature));
    }
    digest.update(numbers.array(), 0, bytes);
    rows++;
    return this;
  }

  /** Rows added so far. */
  public long rows() {
    return rows;
  }

  /** Finishes the hash and returns it as 64 lower-case hex digits; later calls return the same value. */
  public String hex() {
    if (hex == null) {
      hex = HexFormat.of().formatHex(digest.digest());
    }
    return hex;
  }
}
