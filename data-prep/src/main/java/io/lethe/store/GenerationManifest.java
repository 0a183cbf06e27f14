package io.lethe.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A generation: for every shard, its {@link ShardLineage} (the slice orders trained and which stage is served). The
 * newest committed generation is what predictions use. A new generation is built from its parent
 * ({@link #buildFrom}), never by hand, so what a step does not change it inherits.
 *
 * @param formatVersion the store format it was written with; version 1 held one linear chain per shard
 * @param parent the generation this one replaces, or null for the first
 * @param reason why it was published, e.g. "train" or "forget batch b-...: clean prefix"
 * @param key idempotency key of the step that published it (e.g. "forget/b-.../clean"), null for older files
 * @param dataVersion the data version the served checkpoints were trained on (or a subset of it)
 */
public record GenerationManifest(
    int formatVersion,
    long number,
    Long parent,
    String createdAt,
    String reason,
    String key,
    int dataVersion,
    String configHash,
    String modelSpecJson,
    int numSlices,
    int nativeThreads,
    List<ShardLineage> shards) {

  public GenerationManifest {
    List<ShardLineage> lineages = new ArrayList<>();
    for (ShardLineage s : Objects.requireNonNull(shards, "shards")) {
      lineages.add(s.withNumSlices(numSlices));
    }
    shards = List.copyOf(lineages);
  }

  public Optional<ShardLineage> shard(int shard) {
    return shards.stream().filter(s -> s.shard() == shard).findFirst();
  }

  /** The shards that take part in predictions. */
  public List<ShardLineage> servedShards() {
    return shards.stream().filter(ShardLineage::isServed).toList();
  }

  /** Every checkpoint any shard's lineage keeps. */
  public List<String> checkpoints() {
    return shards.stream().flatMap(s -> s.checkpoints().stream()).distinct().toList();
  }

  /** Training rows of all served checkpoints. */
  public long servedTrainRows() {
    return servedShards().stream().mapToLong(ShardLineage::trainRows).sum();
  }

  /** A first generation. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The next generation after {@code parent}: number + 1, parent set, settings and shards inherited; the caller
   * sets reason, key and creation time and replaces what changed.
   */
  public static Builder buildFrom(GenerationManifest parent) {
    Builder b = new Builder();
    b.number = parent.number + 1;
    b.parent = parent.number;
    b.dataVersion = parent.dataVersion;
    b.configHash = parent.configHash;
    b.modelSpecJson = parent.modelSpecJson;
    b.numSlices = parent.numSlices;
    b.nativeThreads = parent.nativeThreads;
    parent.shards.forEach(s -> b.shards.put(s.shard(), s));
    return b;
  }

  /** Builds a {@link GenerationManifest} in the current format. */
  public static final class Builder {
    private long number = 1;
    private Long parent;
    private String createdAt;
    private String reason;
    private String key;
    private int dataVersion;
    private String configHash;
    private String modelSpecJson;
    private int numSlices;
    private int nativeThreads;
    private final Map<Integer, ShardLineage> shards = new TreeMap<>();

    private Builder() {}

    /** Overrides the number (e.g. when generations were published after the parent). */
    public Builder number(long number) {
      this.number = number;
      return this;
    }

    public Builder createdAt(String createdAt) {
      this.createdAt = createdAt;
      return this;
    }

    public Builder reason(String reason) {
      this.reason = reason;
      return this;
    }

    public Builder key(String key) {
      this.key = key;
      return this;
    }

    public Builder dataVersion(int dataVersion) {
      this.dataVersion = dataVersion;
      return this;
    }

    /** The model the checkpoints were trained with: its config hash, spec JSON, slices and native threads. */
    public Builder model(String configHash, String modelSpecJson, int numSlices, int nativeThreads) {
      this.configHash = configHash;
      this.modelSpecJson = modelSpecJson;
      this.numSlices = numSlices;
      this.nativeThreads = nativeThreads;
      return this;
    }

    /** Replaces every shard's lineage. */
    public Builder shards(List<ShardLineage> lineages) {
      shards.clear();
      lineages.forEach(this::shard);
      return this;
    }

    /** Sets (or replaces) one shard's lineage. */
    public Builder shard(ShardLineage lineage) {
      shards.put(lineage.shard(), lineage);
      return this;
    }

    public GenerationManifest build() {
      Objects.requireNonNull(createdAt, "createdAt");
      Objects.requireNonNull(reason, "reason");
      return new GenerationManifest(LetheStore.FORMAT_VERSION, number, parent, createdAt, reason, key, dataVersion,
          configHash, modelSpecJson, numSlices, nativeThreads, new ArrayList<>(shards.values()));
    }
  }
}
