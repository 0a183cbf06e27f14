package io.lethe.jobs.predict;

import io.lethe.jobs.spark.StoreHandle;
import io.lethe.models.Scoring;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * Scores a minibatch of rows with every served model of a generation: gathers the rows' features into one flat
 * array and asks each shard model for its class probabilities.
 */
final class MinibatchScorer {
  private final StoreHandle store;
  private final ServedModels models;
  private final int batchSize;

  MinibatchScorer(StoreHandle store, ServedModels models, int batchSize) {
    this.store = store;
    this.models = models;
    this.batchSize = batchSize;
  }

  /** Per served model, a rows × classes matrix of probabilities. */
  List<float[][]> score(List<Row> rows) {
    int n = rows.size();
    int d = models.numFeatures();
    float[] features = new float[n * d];
    for (int i = 0; i < n; i++) {
      Row row = rows.get(i);
      List<Float> values = row.getList(row.fieldIndex("features"));
      if (values.size() != d) {
        throw new IllegalArgumentException("row " + idOf(row) + " has " + values.size() + " features; the served"
            + " models take " + d);
      }
      for (int j = 0; j < d; j++) {
        features[i * d + j] = values.get(j);
      }
    }
    List<float[][]> perModel = new ArrayList<>(models.size());
    for (String sha : models.checkpoints()) {
      perModel.add(Scoring.predictProbabilities(ModelCache.network(store, sha), features, n, d, batchSize));
    }
    return perModel;
  }

  static String idOf(Row row) {
    return java.util.Arrays.asList(row.schema().fieldNames()).contains("record_id")
        ? "'" + row.getString(row.fieldIndex("record_id")) + "'"
        : "(no record_id)";
  }
}
