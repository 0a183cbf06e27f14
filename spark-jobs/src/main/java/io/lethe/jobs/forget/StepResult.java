package io.lethe.jobs.forget;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a forget step decided or produced, handed to the later steps through the batch journal. Each step writes
 * its record as the {@code details} of its {@link JournalEntry} and later steps read it back typed with
 * {@link ForgetJournal#result}; the JSON field names are those journals have always used, so journals of older
 * batches read into the same records (fields they lack read as null or zero).
 */
public sealed interface StepResult {

  /** The step this result belongs to. */
  @JsonIgnore
  ForgetState state();

  /**
   * ACKNOWLEDGED: the ledger submissions the batch took.
   *
   * @param earliestAcknowledgedAt acknowledgement time of the oldest submission
   */
  record Acknowledged(List<String> submissions, long requests, String earliestAcknowledgedAt)
      implements StepResult {
    public ForgetState state() {
      return ForgetState.ACKNOWLEDGED;
    }
  }

  /**
   * ROUTED: where the batch's rows are.
   *
   * @param generation the generation served when routing
   * @param deletedRows shard to slice to training rows deleted there: the set of affected slices per shard
   * @param affectedShards journals of format 1 only: shard to its earliest affected slice
   * @param fullRetrainEstimateSeconds what training the affected shards from scratch cost, from provenance
   * @param routedBy how the rows were found: "index-lookup", "index-join" or "examples-join" (null in journals
   *     from before the id index, which all joined the examples)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Routed(int dataVersion, long generation, Map<Integer, Map<Integer, Long>> deletedRows,
      Map<Integer, Integer> affectedShards, long trainRows, long testRows, long notFound,
      double fullRetrainEstimateSeconds, String routedBy) implements StepResult {
    public ForgetState state() {
      return ForgetState.ROUTED;
    }

    /** Shard to the slices whose rows the batch deletes (only the earliest for journals of format 1). */
    @JsonIgnore
    public Map<Integer, Set<Integer>> affectedSlices() {
      Map<Integer, Set<Integer>> affected = new TreeMap<>();
      if (deletedRows != null) {
        deletedRows.forEach((shard, slices) -> affected.put(shard, new TreeSet<>(slices.keySet())));
      } else if (affectedShards != null) {
        affectedShards.forEach((shard, earliest) -> affected.put(shard, new TreeSet<>(Set.of(earliest))));
      }
      return affected;
    }
  }

  /**
   * SERVING_CLEAN: the generation that serves, per shard, the longest prefix free of deleted slices.
   *
   * @param latencyFromAcknowledgementSeconds from the earliest acknowledgement to that generation's commit
   */
  record ServingClean(long generation, long generationBefore, double latencyFromAcknowledgementSeconds,
      List<Integer> shardsLeftOut) implements StepResult {
    public ForgetState state() {
      return ForgetState.SERVING_CLEAN;
    }
  }

  /** DATA_REWRITTEN: the data version without the deleted rows and what was removed. */
  record DataRewritten(int dataVersion, List<String> rewrittenPartitions, List<Integer> retiredVersions,
      List<RemovedFile> removedFiles, double measureSeconds) implements StepResult {
    public ForgetState state() {
      return ForgetState.DATA_REWRITTEN;
    }
  }

  /** A data file removed from the store, with the hash it had. */
  record RemovedFile(String path, String sha256, long bytes) {}

  /** PURGED: checkpoints and record-id sets deleted because they hold deleted records. */
  record Purged(List<PurgedCheckpoint> purgedCheckpoints, List<String> purgedRecordIdSets,
      int stagingLeftoversRemoved) implements StepResult {
    public ForgetState state() {
      return ForgetState.PURGED;
    }
  }

  /**
   * A purged checkpoint.
   *
   * @param slice its 0-based stage (the slice, in the natural order)
   */
  record PurgedCheckpoint(String sha256, int shard, int slice, String reason) {}

  /**
   * RETRAINED: the stages trained again, or none when retraining is deferred.
   *
   * @param retrainSeconds shard to the task seconds of its retraining (all its sequences)
   * @param retrainedSequences shard to sequence to the checkpoints of the stages appended to it
   * @param retrainedCheckpoints journals of format 1 only: shard to the stages appended to its one chain
   * @param deferred whether the batch left retraining for later (shards serve deactivated prefixes)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Retrained(Map<Integer, Double> retrainSeconds, double fullRetrainEstimateSeconds,
      Map<Integer, Map<Integer, List<String>>> retrainedSequences, Map<Integer, List<String>> retrainedCheckpoints,
      boolean deferred) implements StepResult {
    public ForgetState state() {
      return ForgetState.RETRAINED;
    }

    /** Shard to sequence to appended checkpoints; a format 1 journal's chains are sequence 0. */
    @JsonIgnore
    public Map<Integer, Map<Integer, List<String>>> sequences() {
      if (retrainedSequences != null) {
        return retrainedSequences;
      }
      Map<Integer, Map<Integer, List<String>>> legacy = new TreeMap<>();
      if (retrainedCheckpoints != null) {
        retrainedCheckpoints.forEach((shard, chain) -> legacy.put(shard, Map.of(0, chain)));
      }
      return legacy;
    }
  }

  /** PUBLISHED: the generation served when the batch ends. */
  record Published(long generation) implements StepResult {
    public ForgetState state() {
      return ForgetState.PUBLISHED;
    }
  }

  /**
   * COMPLETED: where the report is.
   *
   * @param retrainPending whether the batch ended serving deactivated prefixes, its shards not yet retrained
   */
  record Completed(String report, double testAccuracyAfter, boolean retrainPending) implements StepResult {
    public ForgetState state() {
      return ForgetState.COMPLETED;
    }
  }
}
