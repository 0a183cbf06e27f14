package io.lethe.jobs.predict;

import io.lethe.models.Aggregation;
import io.lethe.models.Scoring;
import java.io.Serializable;
import java.util.List;

/**
 * Correct-prediction counts of one evaluation, mergeable across partitions: total rows, correct ensemble
 * predictions per {@link Aggregation} (in enum order), and correct predictions per served shard model.
 */
public final class EvaluationCounts implements Serializable {
  private static final long serialVersionUID = 1L;

  private long rows;
  private long[] ensembleCorrect;
  private long[] shardCorrect;

  private EvaluationCounts(long[] ensembleCorrect, long[] shardCorrect) {
    this.ensembleCorrect = ensembleCorrect;
    this.shardCorrect = shardCorrect;
  }

  static EvaluationCounts empty(int models) {
    return new EvaluationCounts(new long[Aggregation.values().length], new long[models]);
  }

  void add(int[] labels, List<float[][]> perModel, double[] weights) {
    rows += labels.length;
    for (Aggregation strategy : Aggregation.values()) {
      int[] predicted = strategy.aggregate(perModel, weights).predictions();
      for (int i = 0; i < labels.length; i++) {
        if (predicted[i] == labels[i]) {
          ensembleCorrect[strategy.ordinal()]++;
        }
      }
    }
    for (int m = 0; m < perModel.size(); m++) {
      float[][] probabilities = perModel.get(m);
      for (int i = 0; i < labels.length; i++) {
        if (Scoring.argmax(probabilities[i]) == labels[i]) {
          shardCorrect[m]++;
        }
      }
    }
  }

  EvaluationCounts merge(EvaluationCounts other) {
    EvaluationCounts merged = empty(Math.max(shardCorrect.length, other.shardCorrect.length));
    merged.rows = rows + other.rows;
    for (int i = 0; i < ensembleCorrect.length; i++) {
      merged.ensembleCorrect[i] = ensembleCorrect[i] + other.ensembleCorrect[i];
    }
    for (int i = 0; i < merged.shardCorrect.length; i++) {
      merged.shardCorrect[i] = (i < shardCorrect.length ? shardCorrect[i] : 0)
          + (i < other.shardCorrect.length ? other.shardCorrect[i] : 0);
    }
    return merged;
  }



  public long getRows() {
    return rows;
  }

  public long[] getEnsembleCorrect() {
    return ensembleCorrect;
  }

  public long[] getShardCorrect() {
    return shardCorrect;
  }
}
