package io.lethe.jobs.forget;

import java.util.Map;

/**
 * One committed step of a forget batch.
 *
 * @param at when the step was committed (ISO-8601 UTC)
 * @param details what the step decided or produced (generation numbers, shards, counts); never feature values
 */
public record JournalEntry(String batchId, ForgetState state, String at, Map<String, Object> details) {
  public JournalEntry {
    details = details == null ? Map.of() : Map.copyOf(details);
  }
}
