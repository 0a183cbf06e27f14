package io.lethe.jobs.forget;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.checkpoint.RecordIdSets;
import io.lethe.models.Provenance;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;

/**
 * Answers, from provenance and record-id sets alone, which stored checkpoints were trained on any of a set of
 * records. Shared by the purge (delete them) and by {@code lethe verify} (none may remain). A checkpoint is named
 * by its file, never by what its provenance claims, so an edited provenance cannot redirect a purge.
 */
final class CheckpointScan {
  private final LetheStore store;
  private final CheckpointRepository checkpoints;
  private final RecordIdSets idSets;

  CheckpointScan(LetheStore store) {
    this.store = store;
    this.checkpoints = new CheckpointRepository(store);
    this.idSets = new RecordIdSets(store);
  }

  /**
   * A stored checkpoint that saw deleted records, or whose record-id sets are missing or damaged (so it cannot be
   * shown clean).
   */
  record Tainted(String sha256, int shard, int slice, List<String> idSets, boolean unverifiable) {}

  /** Every provenance record in the store, by the name of the checkpoint it sits beside (sorted). */
  Map<String, Provenance> provenance() {
    Map<String, Provenance> all = new TreeMap<>();
    for (FileStatus status : store.list(store.layout().checkpointsDir())) {
      String name = status.getPath().getName();
      if (name.endsWith(".json")) {
        String sha = name.substring(0, name.length() - ".json".length());
        all.put(sha, checkpoints.loadProvenance(sha));
      }
    }
    return all;
  }

  /** Checkpoints whose training data included any of {@code deleted}. */
  List<Tainted> tainted(Set<String> deleted) {
    Map<String, Optional<Boolean>> setHolds = new HashMap<>();
    List<Tainted> tainted = new ArrayList<>();
    for (Map.Entry<String, Provenance> entry : provenance().entrySet()) {
      Provenance p = entry.getValue();
      List<String> holding = new ArrayList<>();
      boolean unverifiable = false;
      for (String set : p.sliceRecordIdsSha256()) {
        Optional<Boolean> holds = setHolds.computeIfAbsent(set, s -> holdsAny(s, deleted));
        if (holds.isEmpty()) {
          unverifiable = true;
        } else if (holds.get()) {
          holding.add(set);
        }
      }
      if (!holding.isEmpty() || unverifiable) {
        tainted.add(new Tainted(entry.getKey(), p.shard(), p.slice(), holding, unverifiable));
      }
    }
    return tainted;
  }

  /** Whether a set holds any deleted id; empty when the set is missing or does not hash to its name. */
  private Optional<Boolean> holdsAny(String set, Set<String> deleted) {
    if (!idSets.exists(set)) {
      return Optional.empty();
    }
    try {
      return Optional.of(idSets.load(set).stream().anyMatch(deleted::contains));
    } catch (StoreException damaged) {
      return Optional.empty();
    }
  }

  /** The names of every stored record-id set (sorted). */
  List<String> idSetNames() {
    List<String> names = new ArrayList<>();
    for (FileStatus status : store.list(store.layout().recordIdSetsDir())) {
      String name = status.getPath().getName();
      if (name.endsWith(".txt")) {
        names.add(name.substring(0, name.length() - ".txt".length()));
      }
    }
    names.sort(null);
    return names;
  }

  /** Record-id sets that hold any of {@code deleted}, whether or not a checkpoint still names them. */
  List<String> taintedIdSets(Set<String> deleted) {
    return idSetNames().stream().filter(sha -> holdsAny(sha, deleted).orElse(false)).toList();
  }

  /** Record-id sets whose content does not hash to their name. */
  List<String> damagedIdSets() {
    List<String> damaged = new ArrayList<>();
    for (String sha : idSetNames()) {
      try {
        idSets.load(sha);
      } catch (StoreException e) {
        damaged.add(sha);
      }
    }
    return damaged;
  }
}
