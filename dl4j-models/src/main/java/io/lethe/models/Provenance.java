package io.lethe.models;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a checkpoint came from: which shard and slice, which parent checkpoint it continued, exactly which records
 * it has seen (as hashes of their ids), which configuration, seed, native runtime and library versions trained it,
 * and the SHA-256 of its zip. With the examples index this answers "was record X ever seen by this model?" without
 * opening the model.
 *
 * @param formatVersion        version of this record's JSON form; see {@link #CURRENT_FORMAT_VERSION}
 * @param shard                shard index
 * @param slice                0-based stage index: the checkpoint has trained on {@code slice + 1} slices, the first
 *                             ones of {@code trainedSlices}; in the natural order, the last slice trained on
 * @param parentSha256         zip SHA-256 of the checkpoint this one continued from; null for slice 0
 * @param recordIdsSha256      {@link RecordIds#sha256OfSorted} of all record ids in the slices trained on
 * @param sliceRecordIdsSha256 element i: {@link RecordIds#sha256OfSorted} of the ids of slice
 *                             {@code trainedSlices.get(i)}, for i = 0..slice (slice i in the natural order)
 * @param recordCount          number of records in the slices trained on
 * @param configHash           {@link ModelSpec#configHash()} of the spec trained with
 * @param modelSpecJson        {@link ModelSpec#toJson()} of that spec
 * @param seed                 the spec's root seed
 * @param nativeThreads        native (OpenMP/BLAS) threads ND4J was pinned to; results can depend on it
 * @param backend              ND4J backend, e.g. {@code CpuBackend}
 * @param device               {@code cpu}, or {@code cuda:<device id>}
 * @param libraryVersions      versions of deeplearning4j, nd4j, java and lethe
 * @param createdAt            ISO-8601 UTC instant the checkpoint was made
 * @param zipSha256            SHA-256 of the checkpoint zip, its content address
 * @param trainSeconds         wall time of the slice stage
 * @param loss                 mean minibatch loss of the stage's last epoch; NaN without examples
 * @param trainAccuracy        accuracy on the slices trained on; NaN without examples
 * @param trainedSlices        the prefix of the slice order trained on, in training order ({@link SliceOrder});
 *                             missing in files from before slice orders existed, which read as 0..slice
 */
public record Provenance(
    int formatVersion,
    int shard,
    int slice,
    String parentSha256,
    String recordIdsSha256,
    List<String> sliceRecordIdsSha256,
    long recordCount,
    String configHash,
    String modelSpecJson,
    long seed,
    int nativeThreads,
    String backend,
    String device,
    Map<String, String> libraryVersions,
    String createdAt,
    String zipSha256,
    double trainSeconds,
    double loss,
    double trainAccuracy,
    List<Integer> trainedSlices) {

  /**
   * The newest format version this code writes: 2 adds {@code trainedSlices}. A checkpoint trained in the natural
   * order is still written as version 1 (see {@link #formatVersionFor}), whose readers ignore the new field, so
   * stores of SISA checkpoints stay readable by older Lethe versions.
   */
  public static final int CURRENT_FORMAT_VERSION = 2;

  /**
   * Freezes the collections; a field missing from an older file reads as an empty list or map, and a missing
   * {@code trainedSlices} as the natural order 0..slice.
   */
  public Provenance {
    if (shard < 0 || slice < 0) {
      throw new IllegalArgumentException("provenance needs shard >= 0 and slice >= 0, got shard " + shard
          + ", slice " + slice);
    }
    if (trainedSlices == null || trainedSlices.isEmpty()) {
      trainedSlices = SliceOrder.natural(slice + 1).slices();
    } else if (trainedSlices.size() != slice + 1 || trainedSlices.stream().distinct().count() != slice + 1
        || trainedSlices.stream().anyMatch(s -> s == null || s < 0)) {
      throw new IllegalArgumentException("provenance of slice stage " + slice + " needs " + (slice + 1)
          + " distinct trained slices >= 0, got " + trainedSlices);
    }
    trainedSlices = List.copyOf(trainedSlices);
    sliceRecordIdsSha256 = sliceRecordIdsSha256 == null ? List.of() : List.copyOf(sliceRecordIdsSha256);
    libraryVersions = libraryVersions == null
        ? Map.of()
        : Collections.unmodifiableMap(new TreeMap<>(libraryVersions));
  }

  /** The format version a checkpoint that trained on {@code trainedSlices} is written with: 1 in natural order. */
  public static int formatVersionFor(List<Integer> trainedSlices) {
    return SliceOrder.isNaturalPrefix(trainedSlices) ? 1 : CURRENT_FORMAT_VERSION;
  }

  /** The stage of its slice order this checkpoint is: the number of slices it has trained on (1..R). */
  public int stage() {
    return trainedSlices.size();
  }

  /** Whether it trained on slices 0, 1, ..., slice in that order, as SISA (and every checkpoint before S3T) does. */
  public boolean trainedInNaturalOrder() {
    return SliceOrder.isNaturalPrefix(trainedSlices);
  }

  /** Whether the record ids of {@code slice} are among those it has trained on. */
  public boolean trainedOnSlice(int slice) {
    return trainedSlices.contains(slice);
  }

  /** Pretty-printed JSON, fields in the order above; a NaN loss or accuracy is written as the string "NaN". */
  public String toJson() {
    return Json.write(Json.LENIENT, this);
  }

  /**
   * Reads provenance written by any Lethe version: unknown fields are ignored, missing ones read as null, zero or
   * empty.
   *
   * @throws IllegalArgumentException if the text is not valid provenance JSON
   */
  public static Provenance fromJson(String json) {
    return Json.read(Json.LENIENT, json, Provenance.class, "provenance");
  }
}
