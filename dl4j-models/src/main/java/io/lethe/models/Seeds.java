package io.lethe.models;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Derives every seed of a shard's training from the root seed and the position in the training: which shard, which
 * slice stage, which epoch, which record. Pure functions, never a running random generator, so a stage resumed from a
 * checkpoint uses exactly the seeds it would have used had training never stopped.
 */
public final class Seeds {

  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
  // Distinct domain tags keep the seed families apart: initSeed(s, k) never equals epochSeed(s, k, r, e) by design.
  private static final long INIT_DOMAIN = 0x1E7E_0001L;
  private static final long EPOCH_DOMAIN = 0x1E7E_0002L;
  private static final long ORDER_DOMAIN = 0x1E7E_0003L;
  private static final long ORDERED_EPOCH_DOMAIN = 0x1E7E_0004L;

  private Seeds() {
  }

  /** Seed for the initial weights of shard {@code shard}'s model. */
  public static long initSeed(long seed, int shard) {
    long h = absorb(mix64(INIT_DOMAIN), seed);
    return absorb(h, shard);
  }

  /** Seed for epoch {@code epoch} of slice stage {@code slice} of shard {@code shard}: ND4J's RNG and the order. */
  public static long epochSeed(long seed, int shard, int slice, int epoch) {
    long h = absorb(mix64(EPOCH_DOMAIN), seed);
    h = absorb(h, shard);
    h = absorb(h, slice);
    return absorb(h, epoch);
  }

  /**
   * Seed for epoch {@code epoch} of the stage that has trained on the slices {@code orderPrefix}, in that order.
   * It depends on the prefix alone, not on the rest of the order, so orders sharing a prefix train that prefix's
   * stages identically and share their checkpoints. For SISA's natural prefix 0..r it equals
   * {@link #epochSeed(long, int, int, int) epochSeed(seed, shard, r, epoch)}, so checkpoints trained before slice
   * orders existed are reproduced byte for byte.
   */
  public static long epochSeed(long seed, int shard, List<Integer> orderPrefix, int epoch) {
    if (orderPrefix.isEmpty()) {
      throw new IllegalArgumentException("an epoch seed needs the non-empty order prefix the stage trains on");
    }
    if (SliceOrder.isNaturalPrefix(orderPrefix)) {
      return epochSeed(seed, shard, orderPrefix.size() - 1, epoch);
    }
    long h = absorb(mix64(ORDERED_EPOCH_DOMAIN), seed);
    h = absorb(h, shard);
    h = absorb(h, orderPrefix.size());
    for (int slice : orderPrefix) {
      h = absorb(h, slice);
    }
    return absorb(h, epoch);
  }

  /**
   * Sort key of a record within one epoch. It depends only on the epoch seed and the record's own id, so deleting
   * other records never changes the relative order of the records that remain.
   */
  public static long orderKey(long epochSeed, String recordId) {
    byte[] bytes = recordId.getBytes(StandardCharsets.UTF_8);
    long h = absorb(mix64(ORDER_DOMAIN), epochSeed);
    h = absorb(h, bytes.length);
    int i = 0;
    for (; i + Long.BYTES <= bytes.length; i += Long.BYTES) {
      h = absorb(h, littleEndianLong(bytes, i, Long.BYTES));
    }
    if (i < bytes.length) {
      h = absorb(h, littleEndianLong(bytes, i, bytes.length - i));
    }
    return h;
  }

  private static long littleEndianLong(byte[] bytes, int offset, int count) {
    long value = 0;
    for (int j = count - 1; j >= 0; j--) {
      value = (value << 8) | (bytes[offset + j] & 0xFFL);
    }
    return value;
  }

  /** Folds one 64-bit value into the running hash; each input goes through the mixer before and after combining. */
  private static long absorb(long h, long value) {
    return mix64(h ^ mix64(value + GOLDEN_GAMMA));
  }

  /** The splitmix64 finaliser (Stafford's variant 13): a bijection with full avalanche. */
  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
