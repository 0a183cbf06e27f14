package io.lethe.models;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Chooses the B slice orders ("sequences") a shard is trained in (S3T, Chowdhury et al., ICLR 2025). A deletion in
 * slice k cuts every order just before k and the shard serves the longest surviving prefix, so good orders put the
 * slices likely to be deleted late, and differ in what they put first.
 */
public final class SequenceSelection {

  /** How the orders are chosen; {@link #configName()} is its spelling in {@code lethe.model.sequence-selection}. */
  public enum Strategy {
    /** Rotations of 0..R-1. */
    CYCLIC("cyclic"),
    /** S3T's bipartite selection driven by {@link DeletionPriors}. */
    BIPARTITE("bipartite");

    private final String configName;

    Strategy(String configName) {
      this.configName = configName;
    }

    /** {@code cyclic} or {@code bipartite}. */
    public String configName() {
      return configName;
    }

    /**
     * The strategy spelled {@code name}.
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static Strategy parse(String name) {
      for (Strategy strategy : values()) {
        if (strategy.configName.equals(name)) {
          return strategy;
        }
      }
      throw new IllegalArgumentException("unknown sequence selection '" + name + "'; use cyclic or bipartite");
    }
  }

  private SequenceSelection() {
  }

  /**
   * The orders {@code strategy} picks: {@link #cyclic} ignores the priors, {@link #bipartite} uses them.
   *
   * @param expectedDeletions t, the number of deletions the bipartite score plans for
   */
  public static List<SliceOrder> select(Strategy strategy, DeletionPriors priors, int sequences,
      double expectedDeletions) {
    return strategy == Strategy.CYCLIC
        ? cyclic(priors.numSlices(), sequences)
        : bipartite(priors, sequences, expectedDeletions);
  }

  /**
   * The first B rotations of 0..R-1, as S3T's {@code get_cyclic} builds them: order b is b, b+1, ..., R-1, 0, ...,
   * b-1. Every slice comes first in at most one order, so a deletion in one slice leaves B-1 orders serving at
   * least one stage. B = 1 is SISA's natural order.
   *
   * @throws IllegalArgumentException unless 1 <= B <= R
   */
  public static List<SliceOrder> cyclic(int numSlices, int sequences) {
    checkCount(numSlices, sequences);
    List<SliceOrder> orders = new ArrayList<>(sequences);
    for (int b = 0; b < sequences; b++) {
      int[] slices = new int[numSlices];
      for (int position = 0; position < numSlices; position++) {
        slices[position] = (b + position) % numSlices;
      }
      orders.add(SliceOrder.of(slices));
    }
    return orders;
  }

  /**
   * S3T's bipartite selection. Start from the R one-slice sequences (i); in each of the R-1 rounds extend every
   * sequence by one slice it does not hold yet, choosing the extensions jointly by a maximum-weight assignment of
   * sequences to slices (so each slice takes each position in exactly one sequence), where a sequence weighs
   * {@link #score}. Return the B complete sequences of highest score, ties to the one starting with the lower
   * slice.
   *
   * @param priors            where deletions fall
   * @param sequences         B, 1 <= B <= R
   * @param expectedDeletions t > 0, the number of deletions planned for; need not be whole (an expected number)
   */
  public static List<SliceOrder> bipartite(DeletionPriors priors, int sequences, double expectedDeletions) {
    int numSlices = priors.numSlices();
    checkCount(numSlices, sequences);
    if (!(expectedDeletions > 0) || Double.isInfinite(expectedDeletions)) {
      throw new IllegalArgumentException("bipartite selection plans for a finite t > 0 deletions, got "
          + expectedDeletions);
    }
    List<List<Integer>> growing = new ArrayList<>(numSlices);
    for (int s = 0; s < numSlices; s++) {
      growing.add(new ArrayList<>(List.of(s)));
    }
    for (int round = 1; round < numSlices; round++) {
      double[][] weights = new double[numSlices][numSlices];
      for (int i = 0; i < numSlices; i++) {
        List<Integer> sequence = growing.get(i);
        for (int slice = 0; slice < numSlices; slice++) {
          if (sequence.contains(slice)) {
            weights[i][slice] = Double.NEGATIVE_INFINITY;
          } else {
            List<Integer> extended = new ArrayList<>(sequence);
            extended.add(slice);
            weights[i][slice] = score(priors, extended, expectedDeletions);
          }
        }
      }
      int[] chosen = Assignment.maximumWeight(weights);
      for (int i = 0; i < numSlices; i++) {
        growing.get(i).add(chosen[i]);
      }
    }
    double[] scores = new double[numSlices];
    for (int i = 0; i < numSlices; i++) {
      scores[i] = score(priors, growing.get(i), expectedDeletions);
    }
    Integer[] ranking = new Integer[numSlices];
    Arrays.setAll(ranking, i -> i);
    Arrays.sort(ranking, Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparing(i -> i));
    List<SliceOrder> orders = new ArrayList<>(sequences);
    for (int k = 0; k < sequences; k++) {
      orders.add(new SliceOrder(growing.get(ranking[k])));
    }
    return orders;
  }

  /**
   * S3T's score of a (partial) sequence: sum over n = 1..|sequence| of n * (1 - c_n)^t, where c_n is the probability
   * that a deletion falls in one of its first n slices. (1 - c_n)^t is the chance that its prefix of length n
   * survives t deletions, so the score grows with the prefix lengths one can expect to keep serving.
   */
  public static double score(DeletionPriors priors, List<Integer> sequence, double expectedDeletions) {
    double score = 0;
    double cumulative = 0;
    for (int n = 1; n <= sequence.size(); n++) {
      cumulative += priors.of(sequence.get(n - 1));
      score += n * Math.pow(Math.max(0, 1 - cumulative), expectedDeletions);
    }
    return score;
  }

  private static void checkCount(int numSlices, int sequences) {
    if (sequences < 1 || sequences > numSlices) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "a shard of %d slices can be trained in 1..%d orders, got %d sequences", numSlices, numSlices,
          sequences));
    }
  }
}
