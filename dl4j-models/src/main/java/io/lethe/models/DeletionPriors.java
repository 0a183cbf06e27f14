package io.lethe.models;

import java.util.Arrays;

/**
 * Where in a shard the next deletion is expected: element i is the probability that a deletion falls in slice i
 * (the elements sum to 1). {@link SequenceSelection#bipartite} turns it into slice orders that keep long prefixes
 * clean.
 *
 * @param perSlice probability of each slice 0..R-1, each in [0, 1], summing to 1
 */
public record DeletionPriors(double[] perSlice) {

  private static final double SUM_TOLERANCE = 1e-9;

  /** Checks the values; the message names the offending slice. */
  public DeletionPriors {
    if (perSlice == null || perSlice.length == 0) {
      throw new IllegalArgumentException("deletion priors need at least one slice");
    }
    perSlice = perSlice.clone();
    double sum = 0;
    for (int s = 0; s < perSlice.length; s++) {
      if (!(perSlice[s] >= 0 && perSlice[s] <= 1)) {
        throw new IllegalArgumentException("deletion prior of slice " + s + " is " + perSlice[s]
            + "; a probability lies in [0, 1]");
      }
      sum += perSlice[s];
    }
    if (Math.abs(sum - 1) > SUM_TOLERANCE) {
      throw new IllegalArgumentException("deletion priors " + Arrays.toString(perSlice) + " sum to " + sum
          + ", not 1; they are the distribution of where a deletion falls");
    }
  }

  /** Every slice equally likely: what is known without a prior column or a deletion history. */
  public static DeletionPriors uniform(int numSlices) {
    if (numSlices < 1) {
      throw new IllegalArgumentException("deletion priors need numSlices >= 1, got " + numSlices);
    }
    double[] perSlice = new double[numSlices];
    Arrays.fill(perSlice, 1.0 / numSlices);
    return new DeletionPriors(perSlice);
  }

  /**
   * From a per-row deletion prior column: {@code priorSums[i]} is the sum of the rows' priors in slice i (the
   * expected number of its rows to be deleted), so a deletion falls in slice i with probability priorSums[i] over
   * their total. All zero means nothing is known: uniform.
   */
  public static DeletionPriors fromRowPriors(double[] priorSums) {
    double total = 0;
    for (int s = 0; s < priorSums.length; s++) {
      if (!(priorSums[s] >= 0) || Double.isInfinite(priorSums[s])) {
        throw new IllegalArgumentException("the deletion prior sum of slice " + s + " is " + priorSums[s]
            + "; row priors are probabilities, so their sum is finite and >= 0");
      }
      total += priorSums[s];
    }
    if (total == 0) {
      return uniform(priorSums.length);
    }
    double[] perSlice = new double[priorSums.length];
    for (int s = 0; s < perSlice.length; s++) {
      perSlice[s] = priorSums[s] / total;
    }
    return normalised(perSlice);
  }

  /**
   * From the ledger's history: {@code deletions[i]} records were deleted from slice i so far. Laplace smoothing
   * (one pseudo-deletion per slice) keeps a slice that has seen none from counting as safe for ever.
   */
  public static DeletionPriors fromDeletionCounts(long[] deletions) {
    long total = 0;
    for (int s = 0; s < deletions.length; s++) {
      if (deletions[s] < 0) {
        throw new IllegalArgumentException("slice " + s + " has " + deletions[s] + " deletions; counts are >= 0");
      }
      total += deletions[s];
    }
    double[] perSlice = new double[deletions.length];
    for (int s = 0; s < perSlice.length; s++) {
      perSlice[s] = (deletions[s] + 1.0) / (total + deletions.length);
    }
    return normalised(perSlice);
  }

  /** A copy of the per-slice probabilities. */
  @Override
  public double[] perSlice() {
    return perSlice.clone();
  }

  /** R. */
  public int numSlices() {
    return perSlice.length;
  }

  /** The probability that a deletion falls in {@code slice}. */
  public double of(int slice) {
    return perSlice[slice];
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof DeletionPriors priors && Arrays.equals(perSlice, priors.perSlice);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(perSlice);
  }

  @Override
  public String toString() {
    return "DeletionPriors" + Arrays.toString(perSlice);
  }

  /** Puts rounding error into the largest slice so the sum is 1 within the tolerance the constructor checks. */
  private static DeletionPriors normalised(double[] perSlice) {
    double sum = 0;
    int largest = 0;
    for (int s = 0; s < perSlice.length; s++) {
      sum += perSlice[s];
      if (perSlice[s] > perSlice[largest]) {
        largest = s;
      }
    }
    perSlice[largest] = Math.min(1, Math.max(0, perSlice[largest] + (1 - sum)));
    return new DeletionPriors(perSlice);
  }
}
