package io.lethe.models;

/**
 * How one slice stage of a shard went, for logs and reports.
 *
 * @param shard         shard index
 * @param slice         the stage: slices 0..slice were trained on
 * @param epochs        epochs run in this stage
 * @param examples      examples in slices 0..slice
 * @param loss          mean minibatch loss of the stage's last epoch; NaN when there were no examples
 * @param trainAccuracy accuracy on slices 0..slice after the stage; NaN when there were no examples
 * @param seconds       wall time of training and measuring accuracy
 */
public record SliceMetrics(int shard, int slice, int epochs, long examples, double loss, double trainAccuracy,
    double seconds) {
}
