package io.lethe.models;

import java.util.Arrays;

/**
 * Maximum-weight perfect assignment of n rows to n columns (the Hungarian algorithm, O(n^3), with potentials). Used by
 * {@link SequenceSelection#bipartite} to extend every sequence by one slice per round; n is a shard's slice count, so
 * small. A weight of {@link Double#NEGATIVE_INFINITY} forbids the pair. Among assignments of equal weight the
 * lexicographically smallest (row 0's column first) is chosen, so equal inputs always give the same result and ties
 * have a rule one can work out by hand.
 */
final class Assignment {

  private Assignment() {
  }

  /**
   * The column assigned to each row so that the sum of {@code weights[row][column]} is largest; the
   * lexicographically smallest such assignment when several are.
   *
   * @throws IllegalArgumentException if the matrix is not square, or every perfect assignment uses a forbidden pair
   */
  static int[] maximumWeight(double[][] weights) {
    int n = weights.length;
    int[] optimal = hungarian(weights);
    if (optimal == null) {
      throw new IllegalArgumentException("no assignment avoids the forbidden pairs of this " + n + "x" + n
          + " weight matrix");
    }
    double best = total(weights, optimal);
    double tolerance = 1e-9 * (1 + Math.abs(best));
    double[][] fixed = copy(weights);
    int[] result = new int[n];
    for (int row = 0; row < n; row++) {
      for (int column = 0; column < n; column++) {
        if (fixed[row][column] == Double.NEGATIVE_INFINITY) {
          continue;
        }
        double[][] trial = copy(fixed);
        for (int other = 0; other < n; other++) {
          if (other != column) {
            trial[row][other] = Double.NEGATIVE_INFINITY;
          }
          if (other != row) {
            trial[other][column] = Double.NEGATIVE_INFINITY;
          }
        }
        int[] candidate = hungarian(trial);
        if (candidate != null && total(weights, candidate) >= best - tolerance) {
          fixed = trial;
          result[row] = column;
          break;
        }
      }
    }
    return result;
  }

  private static double total(double[][] weights, int[] columnOfRow) {
    double sum = 0;
    for (int row = 0; row < columnOfRow.length; row++) {
      sum += weights[row][columnOfRow[row]];
    }
    return sum;
  }

  private static double[][] copy(double[][] weights) {
    double[][] copy = new double[weights.length][];
    for (int row = 0; row < weights.length; row++) {
      copy[row] = weights[row].clone();
    }
    return copy;
  }

  /** One optimal assignment, or null if every perfect assignment uses a forbidden pair. */
  private static int[] hungarian(double[][] weights) {
    int n = weights.length;
    double finiteMax = 0;
    for (double[] row : weights) {
      if (row.length != n) {
        throw new IllegalArgumentException("an assignment needs a square weight matrix, got " + n + " rows and a row"
            + " of " + row.length);
      }
      for (double w : row) {
        if (Double.isNaN(w) || w == Double.POSITIVE_INFINITY) {
          throw new IllegalArgumentException("assignment weights must be finite or -infinity, got " + w);
        }
        if (w != Double.NEGATIVE_INFINITY) {
          finiteMax = Math.max(finiteMax, Math.abs(w));
        }
      }
    }
    // Minimise cost = -weight; a forbidden pair costs more than any assignment of allowed pairs can.
    double forbidden = (finiteMax + 1) * (2 * n + 1);
    double[][] cost = new double[n + 1][n + 1];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        cost[i + 1][j + 1] = weights[i][j] == Double.NEGATIVE_INFINITY ? forbidden : -weights[i][j];
      }
    }
    double[] u = new double[n + 1];
    double[] v = new double[n + 1];
    int[] rowOfColumn = new int[n + 1];
    int[] way = new int[n + 1];
    for (int i = 1; i <= n; i++) {
      rowOfColumn[0] = i;
      int column = 0;
      double[] minSlack = new double[n + 1];
      Arrays.fill(minSlack, Double.POSITIVE_INFINITY);
      boolean[] used = new boolean[n + 1];
      do {
        used[column] = true;
        int row = rowOfColumn[column];
        double delta = Double.POSITIVE_INFINITY;
        int next = 0;
        for (int j = 1; j <= n; j++) {
          if (!used[j]) {
            double slack = cost[row][j] - u[row] - v[j];
            if (slack < minSlack[j]) {
              minSlack[j] = slack;
              way[j] = column;
            }
            if (minSlack[j] < delta) {
              delta = minSlack[j];
              next = j;
            }
          }
        }
        for (int j = 0; j <= n; j++) {
          if (used[j]) {
            u[rowOfColumn[j]] += delta;
            v[j] -= delta;
          } else {
            minSlack[j] -= delta;
          }
        }
        column = next;
      } while (rowOfColumn[column] != 0);
      do {
        int previous = way[column];
        rowOfColumn[column] = rowOfColumn[previous];
        column = previous;
      } while (column != 0);
    }
    int[] columnOfRow = new int[n];
    for (int j = 1; j <= n; j++) {
      int row = rowOfColumn[j] - 1;
      if (weights[row][j - 1] == Double.NEGATIVE_INFINITY) {
        return null;
      }
      columnOfRow[row] = j - 1;
    }
    return columnOfRow;
  }
}
