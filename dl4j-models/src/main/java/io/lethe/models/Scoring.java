package io.lethe.models;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Runs a trained network over feature rows in minibatches, in inference mode (no dropout). */
public final class Scoring {

  private Scoring() {
  }

  /**
   * Class probabilities for each row.
   *
   * @param model       the network
   * @param features    flat row-major feature rows
   * @param rows        number of rows in {@code features}
   * @param numFeatures values per row
   * @param batchSize   rows per forward pass; bounds native memory use
   * @return {@code rows} arrays of one probability per class
   * @throws IllegalArgumentException if {@code features} does not hold {@code rows x numFeatures} values, or
   *                                  {@code batchSize < 1}
   */
  public static float[][] predictProbabilities(MultiLayerNetwork model, float[] features, int rows, int numFeatures,
      int batchSize) {
    if (rows < 0 || numFeatures < 1 || (long) rows * numFeatures != features.length) {
      throw new IllegalArgumentException("features hold " + features.length + " values, but " + rows
          + " rows x " + numFeatures + " features need " + (long) rows * numFeatures);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    float[][] probabilities = new float[rows][];
    for (int start = 0; start < rows; start += batchSize) {
      int count = Math.min(batchSize, rows - start);
      INDArray output = model.output(Matrices.rowMajor(features, start * numFeatures, count, numFeatures), false);
      float[][] batchProbabilities = output.toFloatMatrix();
      System.arraycopy(batchProbabilities, 0, probabilities, start, count);
    }
    return probabilities;
  }

  /** Index of the largest value (the lowest index among equal maxima): a row's predicted class. */
  public static int argmax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }
}
