package io.lethe.jobs.predict;

import io.lethe.models.Scoring;
import io.lethe.prep.ExampleSchema;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A small set of labelled rows collected to the driver, as flat features for DL4J scoring: for one-off checks
 * (the monolithic baseline, the forget report's membership audit), never for bulk scoring.
 */
public record LabelledRows(float[] features, int[] labels, int numFeatures) {

  /** Collects the label and features columns of {@code rows}. */
  public static LabelledRows collect(Dataset<Row> rows, int numFeatures) {
    List<Row> collected = rows.select(ExampleSchema.LABEL, ExampleSchema.FEATURES).collectAsList();
    float[] features = new float[collected.size() * numFeatures];
    int[] labels = new int[collected.size()];
    for (int i = 0; i < collected.size(); i++) {
      labels[i] = collected.get(i).getInt(0);
      System.arraycopy(ExampleSchema.features(collected.get(i), 1), 0, features, i * numFeatures, numFeatures);
    }
    return new LabelledRows(features, labels, numFeatures);
  }

  public int size() {
    return labels.length;
  }

  /** The share of rows whose most probable class is their label; NaN for no rows. */
  public double accuracy(float[][] probabilities) {
    if (size() == 0) {
      return Double.NaN;
    }
    int correct = 0;
    for (int i = 0; i < probabilities.length; i++) {
      correct += Scoring.argmax(probabilities[i]) == labels[i] ? 1 : 0;
    }
    return (double) correct / size();
  }
}
