package io.lethe.jobs.checkpoint;

import io.lethe.models.RecordIds;
import io.lethe.store.LetheStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The record ids each slice of a checkpoint saw, stored once per distinct set under the hash that provenance
 * records ({@code sliceRecordIdsSha256}). With them, "was record X ever seen by this checkpoint?" is answered
 * exactly from metadata: X is in one of the sets its provenance names. A set's file content is exactly what its
 * name hashes, so it verifies itself.
 */
public final class RecordIdSets {
  private final LetheStore store;

  public RecordIdSets(LetheStore store) {
    this.store = store;
  }

  /** Stores the set if it is not there yet; returns its hash. */
  public String write(Collection<String> recordIds) {
    List<String> sorted = new ArrayList<>(recordIds);
    sorted.sort(null);
    StringBuilder content = new StringBuilder();
    sorted.forEach(id -> content.append(id).append('\n'));
    String sha = RecordIds.sha256OfSorted(sorted);
    store.commitNewFile(store.layout().recordIdSet(sha), content.toString().getBytes(StandardCharsets.UTF_8), true);
    return sha;
  }

  public boolean exists(String sha256) {
    return store.exists(store.layout().recordIdSet(sha256));
  }

  /** Loads a set; fails if its content does not hash to its name. */
  public Set<String> load(String sha256) {
    String content = store.readString(store.layout().recordIdSet(sha256));
    List<String> ids = content.isEmpty() ? List.of() : List.of(content.split("\n"));
    if (!RecordIds.sha256OfSorted(ids).equals(sha256)) {
      throw new io.lethe.store.StoreException("Record-id set " + sha256 + " is corrupt: its content does not hash"
          + " to its name.");
    }
    return new HashSet<>(ids);
  }

  public void delete(String sha256) {
    store.deleteIfExists(store.layout().recordIdSet(sha256));
  }
}
