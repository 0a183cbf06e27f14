/**
 * SISA training on Spark: one Spark job of one task per shard, each task running the plain-DL4J shard trainer and
 * writing its checkpoints, then one generation manifest committed for all shards at once.
 */
package io.lethe.jobs.train;
