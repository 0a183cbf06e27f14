package io.lethe.jobs.predict;

import io.lethe.jobs.spark.StoreHandle;
import io.lethe.models.Aggregation;
import io.lethe.models.AggregatedPrediction;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Scores one partition in minibatches and emits one prediction row per input row. */
final class PredictTask implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final StoreHandle store;
  private final ServedModels models;
  private final Aggregation aggregation;
  private final int batchSize;
  private final boolean includeProbabilities;
  private final boolean hasLabel;

  PredictTask(StoreHandle store, ServedModels models, Aggregation aggregation, int batchSize,
      boolean includeProbabilities, boolean hasLabel) {
    this.store = store;
    this.models = models;
    this.aggregation = aggregation;
    this.batchSize = batchSize;
    this.includeProbabilities = includeProbabilities;
    this.hasLabel = hasLabel;
  }

  static StructType outputSchema(boolean hasLabel, boolean includeProbabilities) {
    StructType schema = new StructType().add("record_id", DataTypes.StringType, false);
    if (hasLabel) {
      schema = schema.add("label", DataTypes.IntegerType, true);
    }
    schema = schema.add("prediction", DataTypes.IntegerType, false);
    if (includeProbabilities) {
      schema = schema.add("probabilities", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    }
    return schema;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    return new MinibatchIterator<>(rows, batchSize, new MinibatchScorer(store, models, batchSize)::score,
        (batch, perModel) -> {
          AggregatedPrediction prediction = aggregation.aggregate(perModel, models.weights());
          List<Row> out = new ArrayList<>(batch.size());
          for (int i = 0; i < batch.size(); i++) {
            out.add(outputRow(batch.get(i), prediction, i));
          }
          return out;
        });
  }

  private Row outputRow(Row in, AggregatedPrediction prediction, int i) {
    List<Object> values = new ArrayList<>(4);
    values.add(in.getString(in.fieldIndex("record_id")));
    if (hasLabel) {
      int idx = in.fieldIndex("label");
      values.add(in.isNullAt(idx) ? null : in.getInt(idx));
    }
    values.add(prediction.predictions()[i]);
    if (includeProbabilities) {
      float[] p = prediction.probabilities()[i];
      Float[] boxed = new Float[p.length];
      for (int c = 0; c < p.length; c++) {
        boxed[c] = p[c];
      }
      values.add(boxed);
    }
    return RowFactory.create(values.toArray());
  }
}
