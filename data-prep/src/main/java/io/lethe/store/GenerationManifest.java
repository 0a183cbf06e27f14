package io.lethe.store;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A generation: for every shard, the chain of per-slice checkpoints it has and how much of that chain is served.
 * The newest committed generation is what predictions use. A SISA rollback serves a prefix of a chain; a shard
 * with nothing clean to serve is left out ({@code servedSlice == -1}).
 *
 * @param parent the generation this one replaces, or null for the first
 * @param reason why it was published, e.g. "train" or "forget batch b-..."
 * @param dataVersion the data version the served checkpoints were trained on (or a subset of it)
 */
public record GenerationManifest(
    int formatVersion,
    long number,
    Long parent,
    String createdAt,
    String reason,
    int dataVersion,
    String configHash,
    String modelSpecJson,
    int numSlices,
    int nativeThreads,
    List<ShardEntry> shards) {

  public GenerationManifest {
    shards = List.copyOf(Objects.requireNonNull(shards, "shards"));
  }

  public Optional<ShardEntry> shard(int shard) {
    return shards.stream().filter(s -> s.shard() == shard).findFirst();
  }

  /** The shards that take part in predictions. */
  public List<ShardEntry> servedShards() {
    return shards.stream().filter(ShardEntry::isServed).toList();
  }

  /**
   * One shard's checkpoint chain.
   *
   * @param chain checkpoint sha256 per slice, index = slice
   * @param servedSlice the slice whose checkpoint is served, or -1 when the shard is left out
   * @param trainRows rows the served checkpoint was trained on (the weight of "weighted" aggregation)
   */
  public record ShardEntry(int shard, List<String> chain, int servedSlice, long trainRows) {
    public ShardEntry {
      chain = List.copyOf(Objects.requireNonNull(chain, "chain"));
      if (servedSlice < -1 || servedSlice >= chain.size()) {
        throw new IllegalArgumentException("shard " + shard + ": servedSlice " + servedSlice
            + " is outside its chain of " + chain.size() + " checkpoints");
      }
    }

    public boolean isServed() {
      return servedSlice >= 0;
    }

    /** The served checkpoint's sha256; only for a served shard. */
    public String servedCheckpoint() {
      if (!isServed()) {
        throw new IllegalStateException("shard " + shard + " is left out of this generation");
      }
      return chain.get(servedSlice);
    }
  }
}
