/**
 * Data preparation for SISA training: reads IDX, CSV or Parquet inputs into one canonical example schema, validates
 * them, assigns every row a shard and a slice, and commits the examples as a new data version of the store.
 */
package io.lethe.prep;
