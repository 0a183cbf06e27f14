package io.lethe.models;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The examples a slice stage trains on (slices 0..r of one shard, or the first r+1 slices of a {@link SliceOrder}),
 * without copying their features, and the seeded order in which one epoch visits them.
 */
final class StageExamples {

  private final List<SliceData> slices;
  private final int numFeatures;
  private final int numClasses;
  private final int[] sliceOf;
  private final int[] rowOf;
  private final String[] ids;

  StageExamples(List<SliceData> slices, int lastSlice, int numFeatures, int numClasses) {
    this(slices.subList(0, lastSlice + 1), numFeatures, numClasses);
  }

  /** The examples of all of {@code stageSlices}, the slices a stage trains on, in the order given. */
  StageExamples(List<SliceData> stageSlices, int numFeatures, int numClasses) {
    this.slices = stageSlices;
    this.numFeatures = numFeatures;
    this.numClasses = numClasses;
    int total = 0;
    for (SliceData slice : stageSlices) {
      total += slice.size();
    }
    sliceOf = new int[total];
    rowOf = new int[total];
    ids = new String[total];
    int example = 0;
    for (int s = 0; s < stageSlices.size(); s++) {
      List<String> sliceIds = stageSlices.get(s).recordIds();
      for (int row = 0; row < sliceIds.size(); row++, example++) {
        sliceOf[example] = s;
        rowOf[example] = row;
        ids[example] = sliceIds.get(row);
      }
    }
  }

  int size() {
    return ids.length;
  }

  List<String> recordIds() {
    return Arrays.asList(ids);
  }

  /**
   * Example indices sorted by {@link Seeds#orderKey} and then by record id: a function of the epoch seed and of
   * each record's own id only, so removing a record leaves the others' relative order as it was.
   */
  int[] epochOrder(long epochSeed) {
    long[] keys = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      keys[i] = Seeds.orderKey(epochSeed, ids[i]);
    }
    Comparator<Integer> byKeyThenId = Comparator.<Integer>comparingLong(i -> keys[i]).thenComparing(i -> ids[i]);
    Integer[] order = new Integer[ids.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, byKeyThenId);
    return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
  }

  /**
   * Copies the features and one-hot labels of {@code order[from..from+count)} into zeroed row-major arrays of
   * {@code count} rows.
   */
  void fillBatch(int[] order, int from, int count, float[] features, float[] oneHotLabels) {
    for (int i = 0; i < count; i++) {
      int example = order[from + i];
      SliceData slice = slices.get(sliceOf[example]);
      System.arraycopy(slice.features(), rowOf[example] * numFeatures, features, i * numFeatures, numFeatures);
      oneHotLabels[i * numClasses + slice.labels()[rowOf[example]]] = 1f;
    }
  }
}
