package io.lethe.models;

import java.util.List;

/**
 * The examples of one slice of a shard, ready for training. The arrays are taken as they are, not copied: do not
 * change them after handing them over.
 *
 * @param slice     slice index within the shard, from 0
 * @param recordIds id of each row, unique within the shard
 * @param features  feature rows, flat and row-major: {@code size()} rows of {@code numFeatures} values each
 * @param labels    class index of each row
 */
public record SliceData(int slice, List<String> recordIds, float[] features, int[] labels) {

  /** Checks that ids, labels and feature rows agree in number; messages name the slice and the counts. */
  public SliceData {
    if (slice < 0) {
      throw new IllegalArgumentException("slice must be >= 0, got " + slice);
    }
    if (recordIds == null || features == null || labels == null) {
      throw new IllegalArgumentException("slice " + slice + " needs recordIds, features and labels, got null "
          + (recordIds == null ? "recordIds" : features == null ? "features" : "labels"));
    }
    recordIds = List.copyOf(recordIds);
    if (labels.length != recordIds.size()) {
      throw new IllegalArgumentException("slice " + slice + " has " + recordIds.size() + " record ids but "
          + labels.length + " labels; every row needs exactly one id and one label");
    }
    if (recordIds.isEmpty() ? features.length != 0 : features.length % recordIds.size() != 0) {
      throw new IllegalArgumentException("slice " + slice + " has " + features.length + " feature values for "
          + recordIds.size() + " rows, which is not a whole number of values per row");
    }
  }

  /** An empty slice: it contributes no examples, but its stage still produces a checkpoint. */
  public static SliceData empty(int slice) {
    return new SliceData(slice, List.of(), new float[0], new int[0]);
  }

  /** Number of rows. */
  public int size() {
    return recordIds.size();
  }
}
