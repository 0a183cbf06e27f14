package io.lethe.models;

/**
 * The ensemble's answer for a batch of rows. Arrays are not copied.
 *
 * @param predictions   predicted class per row
 * @param probabilities per row, one score per class: averaged probabilities, or vote fractions for majority vote
 */
public record AggregatedPrediction(int[] predictions, float[][] probabilities) {
}
