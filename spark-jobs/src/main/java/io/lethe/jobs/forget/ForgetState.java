package io.lethe.jobs.forget;

/**
 * The steps of a forget batch, in order. Each is committed to the batch's journal once done; a crashed batch
 * resumes after its last committed step, and every step is idempotent.
 */
public enum ForgetState {
  /** The batch's requests are fixed (their ledger entries were committed before they were acknowledged). */
  ACKNOWLEDGED,
  /** Every request is resolved to the (shard, slice) of its rows, or marked not found. */
  ROUTED,
  /** A generation is published in which each affected shard serves the longest prefix, among its slice orders,
   *  holding none of its affected slices, or is left out: from here on, predictions no longer carry the deleted
   *  records. */
  SERVING_CLEAN,
  /** A data version without the deleted rows is committed and the old files of the rewritten partitions removed. */
  DATA_REWRITTEN,
  /** Every checkpoint (and record-id set) that saw a deleted record is deleted, as are staging leftovers. */
  PURGED,
  /** Each affected shard's cut orders are retrained from their clean stages on the remaining data; with deferred
   *  retraining, only the shards past a threshold (possibly none). */
  RETRAINED,
  /** The generation serving the retrained shards is published. */
  PUBLISHED,
  /** The forget report is written; every request of the batch is complete or not found. */
  COMPLETED;

  /** The request status a batch in this state gives its routed requests, as {@code lethe requests} shows it. */
  public String requestStatus() {
    return switch (this) {
      case ACKNOWLEDGED -> "received";
      case ROUTED -> "routed";
      case SERVING_CLEAN -> "unlearned-in-serving";
      case DATA_REWRITTEN -> "unlearned-in-serving";
      case PURGED -> "data-removed-and-purged";
      case RETRAINED -> "retrained";
      case PUBLISHED -> "republished";
      case COMPLETED -> "completed";
    };
  }
}
