package io.lethe.jobs.report;

/**
 * One point of a shard's training curve: its state after training on slices {@code 0..slice}.
 *
 * @param loss the training loss after the slice's last epoch
 * @param trainAccuracy accuracy on the rows trained so far
 */
public record TrainingPoint(int shard, int slice, double loss, double trainAccuracy) {}
