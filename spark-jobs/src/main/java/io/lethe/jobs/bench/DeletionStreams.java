package io.lethe.jobs.bench;

import io.lethe.jobs.bench.CapacitySimulation.Deletion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded deletion streams over a data version's training rows, each a list of requests in arrival order.
 *
 * @param shard   shard of each training row
 * @param slice   slice of each training row
 * @param subject subject id of each training row
 */
record DeletionStreams(int[] shard, int[] slice, String[] subject) {

  /** Uniform random records, without repetition. */
  static final String RANDOM_RECORDS = "random-records";
  /** Uniform random data subjects, each request deleting all of the subject's rows. */
  static final String SUBJECTS = "subjects";
  /** Records whose slice index is drawn from {@link #skew}: deletions that follow a known prior. */
  static final String SKEWED = "skewed-records";

  List<Deletion> randomRecords(long seed, int length) {
    int[] order = shuffledIndices(shard.length, seed);
    List<Deletion> stream = new ArrayList<>();
    for (int i = 0; i < Math.min(length, order.length); i++) {
      stream.add(Deletion.of(shard[order[i]], slice[order[i]]));
    }
    return stream;
  }

  List<Deletion> subjects(long seed, int length) {
    Map<String, List<int[]>> rowsOfSubject = new LinkedHashMap<>();
    for (int i = 0; i < subject.length; i++) {
      rowsOfSubject.computeIfAbsent(subject[i], s -> new ArrayList<>()).add(new int[] {shard[i], slice[i]});
    }
    List<List<int[]>> subjects = new ArrayList<>(rowsOfSubject.values());
    int[] order = shuffledIndices(subjects.size(), seed);
    List<Deletion> stream = new ArrayList<>();
    for (int i = 0; i < Math.min(length, order.length); i++) {
      stream.add(new Deletion(subjects.get(order[i])));
    }
    return stream;
  }

  /**
   * Records drawn so that a deletion falls in slice index s with probability {@code skew[s]} (in any shard), the
   * rows of a slice index uniformly, without repetition.
   */
  List<Deletion> skewed(long seed, int length, double[] skew) {
    Map<Integer, List<Integer>> rowsOfSlice = new HashMap<>();
    for (int i = 0; i < slice.length; i++) {
      rowsOfSlice.computeIfAbsent(slice[i], s -> new ArrayList<>()).add(i);
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<Deletion> stream = new ArrayList<>();
    while (stream.size() < length) {
      // Draw among the slice indices that still have rows, in proportion to their skew.
      double total = 0;
      for (int s = 0; s < skew.length; s++) {
        total += rowsOfSlice.getOrDefault(s, List.of()).isEmpty() ? 0 : skew[s];
      }
      if (total <= 0) {
        break;
      }
      double u = random.nextDouble() * total;
      int s = -1;
      for (int candidate = 0; candidate < skew.length; candidate++) {
        if (skew[candidate] > 0 && !rowsOfSlice.getOrDefault(candidate, List.of()).isEmpty()) {
          s = candidate;
          if (u < skew[candidate]) {
            break;
          }
          u -= skew[candidate];
        }
      }
      List<Integer> candidates = rowsOfSlice.get(s);
      int row = candidates.remove(random.nextInt(candidates.size()));
      stream.add(Deletion.of(shard[row], slice[row]));
    }
    return stream;
  }

  /** The stream named {@code kind}. */
  List<Deletion> of(String kind, long seed, int length, double[] skew) {
    return switch (kind) {
      case RANDOM_RECORDS -> randomRecords(seed, length);
      case SUBJECTS -> subjects(seed, length);
      case SKEWED -> skewed(seed, length, skew);
      default -> throw new IllegalArgumentException("unknown deletion stream '" + kind + "'");
    };
  }

  /** A seeded Fisher-Yates shuffle of 0..n-1. */
  private static int[] shuffledIndices(int n, long seed) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}
