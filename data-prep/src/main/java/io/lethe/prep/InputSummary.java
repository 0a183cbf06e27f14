package io.lethe.prep;

/**
 * What validation learned about a valid input split.
 *
 * @param numFeatures the number of features every row has
 * @param numClasses the number of classes: the largest training label plus one
 */
public record InputSummary(long rows, int numFeatures, int numClasses) {}
