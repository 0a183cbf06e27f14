package io.lethe.prep;

import io.lethe.store.DataManifest.DataSettings;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decides the shard and the slice of every row, from its ids alone, so that the same row lands in the same place
 * in any JVM, Spark version or run (which is why it uses SHA-256 and never {@code String.hashCode} or Spark's hash).
 *
 * <p>Strategy {@value #SUBJECT_HASH} (the default) hashes the subject id with the salt: all rows of one data subject
 * share one shard and one slice, so deleting a subject retrains one shard from one slice on. Strategy
 * {@value #RANDOM} hashes the record id with the seed: rows spread evenly whatever the subjects, but one subject's
 * rows may then sit in several shards and slices, and deleting that subject touches all of them.
 */
public final class ShardAssigner implements Serializable {
  public static final String SUBJECT_HASH = "subject-hash";
  public static final String RANDOM = "random";
  /** Every strategy name this build knows, default first. */
  public static final List<String> STRATEGIES = List.of(SUBJECT_HASH, RANDOM);

  private static final long serialVersionUID = 1L;
  private static final String SHARD_DOMAIN = "\u0000shard\u0000";
  private static final String SLICE_DOMAIN = "\u0000slice\u0000";

  private final boolean bySubject;
  private final String salt;
  private final int numShards;
  private final int numSlices;

  private ShardAssigner(boolean bySubject, String salt, int numShards, int numSlices) {
    this.bySubject = bySubject;
    this.salt = salt;
    this.numShards = numShards;
    this.numSlices = numSlices;
  }

  /** The assigner the settings describe; fails naming the bad value for an unknown strategy or a bad count. */
  public static ShardAssigner of(DataSettings settings) {
    if (settings.numShards() < 1) {
      throw new IllegalArgumentException("numShards must be at least 1, got " + settings.numShards() + ".");
    }
    if (settings.numSlices() < 1) {
      throw new IllegalArgumentException("numSlices must be at least 1, got " + settings.numSlices() + ".");
    }
    String strategy = settings.strategy();
    if (SUBJECT_HASH.equals(strategy)) {
      if (settings.salt() == null) {
        throw new IllegalArgumentException("Sharding strategy " + SUBJECT_HASH + " needs a salt (any fixed string,"
            + " e.g. 'lethe'); none was set.");
      }
      return new ShardAssigner(true, settings.salt(), settings.numShards(), settings.numSlices());
    }
    if (RANDOM.equals(strategy)) {
      return new ShardAssigner(false, Long.toString(settings.seed()), settings.numShards(), settings.numSlices());
    }
    throw new IllegalArgumentException("Unknown sharding strategy " + (strategy == null ? "null" : "'" + strategy
        + "'") + "; valid strategies: " + String.join(", ", STRATEGIES) + ".");
  }

  /** The shard, in {@code [0, numShards)}, of the row with these ids. */
  public int shardOf(String recordId, String subjectId) {
    return bucket(SHARD_DOMAIN, bySubject ? subjectId : recordId, numShards);
  }

  /** The slice within its shard, in {@code [0, numSlices)}, of the row with these ids. */
  public int sliceOf(String recordId, String subjectId) {
    return bucket(SLICE_DOMAIN, bySubject ? subjectId : recordId, numSlices);
  }

  private int bucket(String domain, String key, int buckets) {
    byte[] hash = Sha256.newDigest().digest((salt + domain + key).getBytes(StandardCharsets.UTF_8));
    return (int) Math.floorMod(ByteBuffer.wrap(hash).getLong(), (long) buckets);
  }
}
