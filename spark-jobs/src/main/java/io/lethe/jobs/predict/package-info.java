/**
 * Scoring with the served generation: each executor loads the shard models once, scores rows in minibatches and
 * aggregates the shard outputs into one ensemble prediction.
 */
package io.lethe.jobs.predict;
