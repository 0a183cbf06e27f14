package io.lethe.models;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded, well separated Gaussian blobs: a tiny classification problem every test network can learn. */
final class Blobs {

  static final int FEATURES = 20;
  static final int CLASSES = 3;

  private Blobs() {
  }

  /**
   * {@code rowsPerSlice[s]} rows for slice s, ids "r0000", "r0001", ... in generation order. The class centres sit
   * 3 apart on separate axes, with unit noise.
   */
  static List<SliceData> slices(long seed, int... rowsPerSlice) {
    SplittableRandom random = new SplittableRandom(seed);
    List<SliceData> slices = new ArrayList<>();
    int next = 0;
    for (int s = 0; s < rowsPerSlice.length; s++) {
      int rows = rowsPerSlice[s];
      List<String> ids = new ArrayList<>();
      float[] features = new float[rows * FEATURES];
      int[] labels = new int[rows];
      for (int row = 0; row < rows; row++) {
        int label = random.nextInt(CLASSES);
        labels[row] = label;
        ids.add(String.format("r%04d", next++));
        for (int f = 0; f < FEATURES; f++) {
          double centre = f % CLASSES == label ? 1.5 : -0.75;
          features[row * FEATURES + f] = (float) (centre + gaussian(random));
        }
      }
      slices.add(new SliceData(s, ids, features, labels));
    }
    return slices;
  }

  /** The same slices with the record {@code recordId} removed from slice {@code slice}. */
  static List<SliceData> without(List<SliceData> slices, int slice, String recordId) {
    List<SliceData> result = new ArrayList<>(slices);
    SliceData original = slices.get(slice);
    int row = original.recordIds().indexOf(recordId);
    List<String> ids = new ArrayList<>(original.recordIds());
    ids.remove(row);
    float[] features = new float[(original.size() - 1) * FEATURES];
    System.arraycopy(original.features(), 0, features, 0, row * FEATURES);
    System.arraycopy(original.features(), (row + 1) * FEATURES, features, row * FEATURES,
        (original.size() - row - 1) * FEATURES);
    int[] labels = new int[original.size() - 1];
    System.arraycopy(original.labels(), 0, labels, 0, row);
    System.arraycopy(original.labels(), row + 1, labels, row, original.size() - row - 1);
    result.set(slice, new SliceData(slice, ids, features, labels));
    return result;
  }

  private static double gaussian(SplittableRandom random) {
    // Box-Muller, so the data do not depend on java.util.Random's implementation.
    double u1 = 1.0 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
