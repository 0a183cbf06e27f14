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
 * @param slice                last slice trained on: the checkpoint has seen slices 0..slice
 * @param parentSha256         zip SHA-256 of the checkpoint this one continued from; null for slice 0
 * @param recordIdsSha256      {@link RecordIds#sha256OfSorted} of all record ids in slices 0..slice
 * @param sliceRecordIdsSha256 element i: {@link RecordIds#sha256OfSorted} of slice i's ids, for i = 0..slice
 * @param recordCount          number of records in slices 0..slice
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
 * @param trainAccuracy        accuracy on slices 0..slice; NaN without examples
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
    double trainAccuracy) {

  /** The format version this code writes. */
  public static final int CURRENT_FORMAT_VERSION = 1;

  /** Freezes the collections; a field missing from an older file reads as an empty list or map. */
  public Provenance {
    if (shard < 0 || slice < 0) {
      throw new IllegalArgumentException("provenance needs shard >= 0 and slice >= 0, got shard " + shard
          + ", slice " + slice);
    }
    sliceRecordIdsSha256 = sliceRecordIdsSha256 == null ? List.of() : List.copyOf(sliceRecordIdsSha256);
    libraryVersions = libraryVersions == null
        ? Map.of()
        : Collections.unmodifiableMap(new TreeMap<>(libraryVersions));
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
