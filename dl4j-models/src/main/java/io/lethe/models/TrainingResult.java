package io.lethe.models;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * What {@link ShardTrainer#train} produced: the provenance of every checkpoint it handed to the sink, the metrics of
 * every stage it ran (both in slice order), and the model after the last slice.
 *
 * @param checkpoints provenance of each emitted checkpoint, in slice order
 * @param metrics     metrics of each trained stage, in slice order
 * @param finalModel  the model after the last slice; the resumed model itself if there was nothing left to train
 */
public record TrainingResult(List<Provenance> checkpoints, List<SliceMetrics> metrics, MultiLayerNetwork finalModel) {

  /** Freezes the lists. */
  public TrainingResult {
    checkpoints = List.copyOf(checkpoints);
    metrics = List.copyOf(metrics);
  }
}
