package io.lethe.models;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** How the shard models of a served generation combine their per-row class probabilities into one prediction. */
public enum Aggregation {
  /** Average of the models' probabilities; every model counts the same. */
  MEAN_SOFTMAX("mean-softmax"),
  /** Each model votes for its most probable class; ties go to the higher mean probability, then the lower class. */
  MAJORITY_VOTE("majority-vote"),
  /** Average of the models' probabilities weighted by, typically, each shard's number of training records. */
  WEIGHTED("weighted");

  private final String configName;

  Aggregation(String configName) {
    this.configName = configName;
  }

  /** The name used in configuration files. */
  @JsonValue
  public String configName() {
    return configName;
  }

  /**
   * Finds the strategy with the given configuration name.
   *
   * @throws IllegalArgumentException naming the unknown value and listing the valid names
   */
  @JsonCreator
  public static Aggregation parse(String name) {
    for (Aggregation aggregation : values()) {
      if (aggregation.configName.equals(name)) {
        return aggregation;
      }
    }
    throw new IllegalArgumentException("Unknown aggregation '" + name + "'; use one of: "
        + Arrays.stream(values()).map(Aggregation::configName).collect(Collectors.joining(", ")));
  }

  /**
   * Combines the models' probabilities for the same rows.
   *
   * @param perModelProbabilities one {@code rows x classes} matrix per model, as from
   *                              {@link Scoring#predictProbabilities}
   * @param weights               one weight per model for {@code WEIGHTED} (>= 0, positive sum); ignored, and may be
   *                              null, otherwise
   * @throws IllegalArgumentException if there are no models, the matrices differ in shape, or the weights are
   *                                  unusable
   */
  public AggregatedPrediction aggregate(List<float[][]> perModelProbabilities, double[] weights) {
    if (perModelProbabilities.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot aggregate zero models: every shard is left out of the served generation");
    }
    int rows = perModelProbabilities.get(0).length;
    int classes = rows == 0 ? 0 : perModelProbabilities.get(0)[0].length;
    for (int m = 0; m < perModelProbabilities.size(); m++) {
      float[][] model = perModelProbabilities.get(m);
      if (model.length != rows) {
        throw new IllegalArgumentException("model " + m + " scored " + model.length + " rows but model 0 scored "
            + rows + "; all models must score the same rows");
      }
      for (int r = 0; r < rows; r++) {
        if (model[r].length != classes) {
          throw new IllegalArgumentException("model " + m + " gives " + model[r].length
              + " class probabilities for row " + r + " but model 0 gives " + classes
              + "; all models must share one set of classes");
        }
      }
    }
    return switch (this) {
      case MEAN_SOFTMAX -> weightedMean(perModelProbabilities, uniformWeights(perModelProbabilities.size()));
      case WEIGHTED -> weightedMean(perModelProbabilities, checkedWeights(weights, perModelProbabilities.size()));
      case MAJORITY_VOTE -> majorityVote(perModelProbabilities, rows, classes);
    };
  }

  private static double[] uniformWeights(int models) {
    double[] weights = new double[models];
    Arrays.fill(weights, 1.0);
    return weights;
  }

  private static double[] checkedWeights(double[] weights, int models) {
    if (weights == null || weights.length != models) {
      throw new IllegalArgumentException("weighted aggregation needs one weight per model: " + models
          + " models, got " + (weights == null ? "no weights" : weights.length + " weights"));
    }
    double sum = 0;
    boolean valid = true;
    for (double weight : weights) {
      valid &= weight >= 0 && !Double.isInfinite(weight);
      sum += weight;
    }
    if (!valid || !(sum > 0)) {
      throw new IllegalArgumentException("weights must be finite and >= 0 with a positive sum, got "
          + Arrays.toString(weights) + "; give each model its shard's record count");
    }
    return weights;
  }

  private static AggregatedPrediction weightedMean(List<float[][]> models, double[] weights) {
    double total = Arrays.stream(weights).sum();
    float[][] mean = meanProbabilities(models, weights, total);
    int[] predictions = new int[mean.length];
    for (int r = 0; r < mean.length; r++) {
      predictions[r] = Scoring.argmax(mean[r]);
    }
    return new AggregatedPrediction(predictions, mean);
  }

  private static float[][] meanProbabilities(List<float[][]> models, double[] weights, double total) {
    int rows = models.get(0).length;
    float[][] mean = new float[rows][];
    for (int r = 0; r < rows; r++) {
      int classes = models.get(0)[r].length;
      double[] sums = new double[classes];
      for (int m = 0; m < models.size(); m++) {
        for (int c = 0; c < classes; c++) {
          sums[c] += weights[m] * models.get(m)[r][c];
        }
      }
      mean[r] = new float[classes];
      for (int c = 0; c < classes; c++) {
        mean[r][c] = (float) (sums[c] / total);
      }
    }
    return mean;
  }

  private static AggregatedPrediction majorityVote(List<float[][]> models, int rows, int classes) {
    float[][] tieBreak = meanProbabilities(models, uniformWeights(models.size()), models.size());
    float[][] fractions = new float[rows][classes];
    int[] predictions = new int[rows];
    for (int r = 0; r < rows; r++) {
      int[] votes = new int[classes];
      for (float[][] model : models) {
        votes[Scoring.argmax(model[r])]++;
      }
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (votes[c] > votes[best] || (votes[c] == votes[best] && tieBreak[r][c] > tieBreak[r][best])) {
          best = c;
        }
      }
      predictions[r] = best;
      for (int c = 0; c < classes; c++) {
        fractions[r][c] = (float) votes[c] / models.size();
      }
    }
    return new AggregatedPrediction(predictions, fractions);
  }
}
