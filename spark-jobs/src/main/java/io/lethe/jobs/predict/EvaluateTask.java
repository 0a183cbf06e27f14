package io.lethe.jobs.predict;

import io.lethe.jobs.spark.StoreHandle;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * Scores one partition of labelled rows and returns its counts of correct predictions: for the ensemble under
 * every aggregation strategy and for each served shard alone.
 */
final class EvaluateTask implements MapPartitionsFunction<Row, EvaluationCounts> {
  private static final long serialVersionUID = 1L;

  private final StoreHandle store;
  private final ServedModels models;
  private final int batchSize;

  EvaluateTask(StoreHandle store, ServedModels models, int batchSize) {
    this.store = store;
    this.models = models;
    this.batchSize = batchSize;
  }

  @Override
  public Iterator<EvaluationCounts> call(Iterator<Row> rows) {
    EvaluationCounts counts = EvaluationCounts.empty(models.size());
    MinibatchIterator<Boolean> scored = new MinibatchIterator<>(rows, batchSize,
        new MinibatchScorer(store, models, batchSize)::score, (batch, perModel) -> {
          int[] labels = new int[batch.size()];
          for (int i = 0; i < labels.length; i++) {
            Row row = batch.get(i);
            int idx = row.fieldIndex("label");
            if (row.isNullAt(idx)) {
              throw new IllegalArgumentException("row " + MinibatchScorer.idOf(row) + " has no label; evaluation"
                  + " needs labelled rows");
            }
            labels[i] = row.getInt(idx);
          }
          counts.add(labels, perModel, models.weights());
          return List.of();
        });
    while (scored.hasNext()) {
      scored.next();
    }
    return List.of(counts).iterator();
  }
}
