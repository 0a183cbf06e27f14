/**
 * Deeplearning4j models for SISA unlearning: model specs, per-shard slice-by-slice training with deterministic,
 * content-addressed checkpoints and their provenance, and the aggregation of shard models into one prediction.
 * Nothing here knows about Spark; the jobs that distribute this work live in {@code spark-jobs}.
 */
package io.lethe.models;
