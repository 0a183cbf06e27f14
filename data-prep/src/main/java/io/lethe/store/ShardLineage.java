package io.lethe.store;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * Everything a generation knows about one shard: its sequences (each an order of the shard's slices and the chain of
 * stage checkpoints trained in that order) and which (sequence, stage) is served. Stage n of a sequence has trained
 * on the first n slices of its order; stage 0 is the untrained model, so serving stage 0 means the shard is left
 * out. SISA is one sequence in the natural order; S3T trains several orders and, after a deletion, serves the
 * longest prefix that never saw a deleted slice.
 *
 * <p>Orders are plain slice lists here because the store module knows no models; {@code io.lethe.models.SliceOrder}
 * reads the same {@code {"slices":[...]}} form. A lineage is immutable: every operation returns a new one.
 *
 * @param shard          the shard
 * @param sequences      the shard's sequences; a sequence's chain may be shorter than its order once a deletion cut it
 * @param servedSequence index of the served sequence (meaningless when {@code servedStage} is 0)
 * @param servedStage    the served stage, 1..R, or 0 when the shard is left out
 * @param trainRows      rows the served checkpoint was trained on (the weight of "weighted" aggregation)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ShardLineage(int shard, List<Sequence> sequences, int servedSequence, int servedStage,
    long trainRows) {

  /**
   * One slice order of a shard and the checkpoints trained along it.
   *
   * @param slices      the order: a permutation of the shard's slices 0..R-1
   * @param checkpoints element i: sha256 of the checkpoint of stage i+1 (trained on the first i+1 slices)
   */
  public record Sequence(List<Integer> slices, List<String> checkpoints) {
    public Sequence {
      slices = List.copyOf(Objects.requireNonNull(slices, "slices"));
      checkpoints = List.copyOf(Objects.requireNonNull(checkpoints, "checkpoints"));
      if (checkpoints.size() > slices.size()) {
        throw new IllegalArgumentException("a sequence of order " + slices + " has at most " + slices.size()
            + " stages, got " + checkpoints.size() + " checkpoints");
      }
    }

    /** The natural order 0..numSlices-1 with the given chain (SISA, and every store before slice orders). */
    public static Sequence natural(int numSlices, List<String> checkpoints) {
      List<Integer> slices = new ArrayList<>(numSlices);
      for (int s = 0; s < numSlices; s++) {
        slices.add(s);
      }
      return new Sequence(slices, checkpoints);
    }

    /** The number of stages trained and kept. */
    public int stages() {
      return checkpoints.size();
    }

    /** The checkpoint of stage {@code stage} (1-based). */
    public String checkpoint(int stage) {
      return checkpoints.get(stage - 1);
    }

    /** The length of the longest prefix of the order holding none of {@code deletedSlices}. */
    public int longestPrefixAvoiding(Collection<Integer> deletedSlices) {
      int length = slices.size();
      for (int deleted : deletedSlices) {
        int position = slices.indexOf(deleted);
        if (position < 0) {
          throw new IllegalArgumentException("slice " + deleted + " is not in order " + slices);
        }
        length = Math.min(length, position);
      }
      return length;
    }

    /** The same order with its chain cut to the first {@code stages} stages. */
    public Sequence cut(int stages) {
      return new Sequence(slices, checkpoints.subList(0, Math.min(stages, checkpoints.size())));
    }

    /** The same order with {@code more} checkpoints appended to its chain. */
    public Sequence extend(List<String> more) {
      List<String> chain = new ArrayList<>(checkpoints);
      chain.addAll(more);
      return new Sequence(slices, chain);
    }

    /** Whether every stage of the order is trained. */
    @JsonIgnore
    public boolean isComplete() {
      return checkpoints.size() == slices.size();
    }
  }

  /** A served position: the stage of one sequence. */
  public record Prefix(int sequence, int stage) {}

  public ShardLineage {
    sequences = List.copyOf(Objects.requireNonNull(sequences, "sequences"));
    if (servedStage < 0 || servedStage > 0 && (servedSequence < 0 || servedSequence >= sequences.size()
        || servedStage > sequences.get(servedSequence).stages())) {
      throw new IllegalArgumentException("shard " + shard + ": served (sequence " + servedSequence + ", stage "
          + servedStage + ") is not a trained stage of its " + sequences.size() + " sequence(s)");
    }
    if (servedStage == 0) {
      servedSequence = 0;
    }
  }

  /**
   * Reads both forms: this one, and the one linear chain of format version 1 ({@code chain}, {@code servedSlice}),
   * which is one natural-order sequence whose length the generation fills in (see {@link #withNumSlices}).
   */
  @JsonCreator
  static ShardLineage fromJson(@JsonProperty("shard") int shard,
      @JsonProperty("sequences") List<Sequence> sequences,
      @JsonProperty("servedSequence") Integer servedSequence,
      @JsonProperty("servedStage") Integer servedStage,
      @JsonProperty("trainRows") long trainRows,
      @JsonProperty("chain") List<String> chain,
      @JsonProperty("servedSlice") Integer servedSlice) {
    if (sequences == null) {
      List<String> legacy = chain == null ? List.of() : chain;
      // A placeholder order as long as the chain; GenerationManifest widens it to all of the shard's slices.
      return new ShardLineage(shard, List.of(Sequence.natural(legacy.size(), legacy)), 0,
          servedSlice == null ? 0 : servedSlice + 1, trainRows);
    }
    return new ShardLineage(shard, sequences, servedSequence == null ? 0 : servedSequence,
        servedStage == null ? 0 : servedStage, trainRows);
  }

  /** A lineage serving the longest complete stage among {@code sequences} (ties: lowest sequence index). */
  public static ShardLineage serving(int shard, List<Sequence> sequences, ToLongFunction<String> trainRowsOf) {
    ShardLineage lineage = new ShardLineage(shard, sequences, 0, 0, 0);
    return lineage.serve(lineage.longestCleanPrefix(List.of()), trainRowsOf);
  }

  /** A shard with nothing trained (no rows): left out. */
  public static ShardLineage untrained(int shard) {
    return new ShardLineage(shard, List.of(), 0, 0, 0);
  }

  /** One natural-order sequence serving its last stage: what SISA training produces. */
  public static ShardLineage natural(int shard, int numSlices, List<String> chain, long trainRows) {
    return new ShardLineage(shard, List.of(Sequence.natural(numSlices, chain)), 0, chain.size(), trainRows);
  }

  /** Widens a legacy single chain's placeholder order to all {@code numSlices} slices. */
  ShardLineage withNumSlices(int numSlices) {
    List<Sequence> widened = new ArrayList<>();
    for (Sequence s : sequences) {
      widened.add(s.slices().size() < numSlices ? Sequence.natural(numSlices, s.checkpoints()) : s);
    }
    return new ShardLineage(shard, widened, servedSequence, servedStage, trainRows);
  }

  @JsonIgnore
  public boolean isServed() {
    return servedStage > 0;
  }

  /** The served checkpoint's sha256; only for a served shard. */
  public String servedCheckpoint() {
    if (!isServed()) {
      throw new IllegalStateException("shard " + shard + " is left out of this generation");
    }
    return sequences.get(servedSequence).checkpoint(servedStage);
  }

  /** The served position, empty when the shard is left out. */
  public Optional<Prefix> served() {
    return isServed() ? Optional.of(new Prefix(servedSequence, servedStage)) : Optional.empty();
  }

  /** The slices the served checkpoint trained on, in training order; empty when left out. */
  public List<Integer> servedSlices() {
    return isServed() ? sequences.get(servedSequence).slices().subList(0, servedStage) : List.of();
  }

  /** Every checkpoint the lineage keeps, each once, in sequence and stage order. */
  public List<String> checkpoints() {
    LinkedHashSet<String> all = new LinkedHashSet<>();
    sequences.forEach(s -> all.addAll(s.checkpoints()));
    return List.copyOf(all);
  }

  /**
   * Whether every sequence is fully trained over {@code numSlices} slices and the last stage is served, i.e.
   * nothing was deactivated.
   */
  public boolean servesFullLineage(int numSlices) {
    return !sequences.isEmpty() && isServed() && servedStage == numSlices
        && sequences.stream().allMatch(s -> s.slices().size() == numSlices && s.isComplete());
  }

  /**
   * The longest trained prefix, among all sequences, that holds none of {@code deletedSlices}; ties go to the
   * lowest sequence index. Empty when no sequence keeps a trained stage clear of them.
   */
  public Optional<Prefix> longestCleanPrefix(Collection<Integer> deletedSlices) {
    Prefix best = null;
    for (int i = 0; i < sequences.size(); i++) {
      Sequence s = sequences.get(i);
      int stage = Math.min(s.stages(), s.longestPrefixAvoiding(deletedSlices));
      if (stage > 0 && (best == null || stage > best.stage())) {
        best = new Prefix(i, stage);
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * Deactivates {@code deletedSlices}: every sequence is cut just before its first deleted slice (the stages after
   * it saw deleted records) and the longest clean prefix is served, or nothing. Exact at once, no training.
   */
  public ShardLineage deactivate(Collection<Integer> deletedSlices, ToLongFunction<String> trainRowsOf) {
    List<Sequence> cut = new ArrayList<>();
    for (Sequence s : sequences) {
      cut.add(s.cut(s.longestPrefixAvoiding(deletedSlices)));
    }
    ShardLineage lineage = new ShardLineage(shard, cut, 0, 0, 0);
    return lineage.serve(lineage.longestCleanPrefix(List.of()), trainRowsOf);
  }

  /**
   * Appends retrained stages to sequences ({@code retrained}: sequence index to the checkpoints of its next stages)
   * and serves the longest prefix.
   */
  public ShardLineage extend(Map<Integer, List<String>> retrained, ToLongFunction<String> trainRowsOf) {
    List<Sequence> extended = new ArrayList<>(sequences);
    retrained.forEach((index, more) -> extended.set(index, extended.get(index).extend(more)));
    return serving(shard, extended, trainRowsOf);
  }

  /** Serves {@code prefix}, or leaves the shard out when empty. */
  public ShardLineage serve(Optional<Prefix> prefix, ToLongFunction<String> trainRowsOf) {
    if (prefix.isEmpty()) {
      return new ShardLineage(shard, sequences, 0, 0, 0);
    }
    Prefix p = prefix.get();
    String checkpoint = sequences.get(p.sequence()).checkpoint(p.stage());
    return new ShardLineage(shard, sequences, p.sequence(), p.stage(), trainRowsOf.applyAsLong(checkpoint));
  }
}
