package io.lethe.jobs.forget;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.checkpoint.RecordIdSets;
import io.lethe.models.Provenance;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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

  /**
   * Checkpoints whose training data included any of {@code deleted}, checked one round of ids at a time (see
   * {@link DeletedIds}); a checkpoint tainted in several rounds is listed once with every set that holds them.
   */
  List<Tainted> tainted(DeletedIds deleted) {
    Map<String, Provenance> provenance = provenance();
    Map<String, Set<String>> holdingBySha = new TreeMap<>();
    Set<String> unverifiable = new TreeSet<>();
    deleted.forEachRound(round -> {
      Map<String, Optional<Boolean>> setHolds = new HashMap<>();
      for (Map.Entry<String, Provenance> entry : provenance.entrySet()) {
        for (String set : entry.getValue().sliceRecordIdsSha256()) {
          Optional<Boolean> holds = setHolds.computeIfAbsent(set, s -> holdsAny(s, round));
          if (holds.isEmpty()) {
            unverifiable.add(entry.getKey());
          } else if (holds.get()) {
            holdingBySha.computeIfAbsent(entry.getKey(), k -> new LinkedHashSet<>()).add(set);
          }
        }
      }
    });
    List<Tainted> tainted = new ArrayList<>();
    for (Map.Entry<String, Provenance> entry : provenance.entrySet()) {
      Set<String> holding = holdingBySha.getOrDefault(entry.getKey(), Set.of());
      boolean cannotTell = unverifiable.contains(entry.getKey());
      if (!holding.isEmpty() || cannotTell) {
        // In the order the provenance names its sets, as a single round lists them.
        List<String> ordered = entry.getValue().sliceRecordIdsSha256().stream().filter(holding::contains)
            .distinct().toList();
        tainted.add(new Tainted(entry.getKey(), entry.getValue().shard(), entry.getValue().slice(), ordered,
            cannotTell));
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
      return Optional.of(idSets.holdsAny(set, deleted));
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

  /** Record-id sets that hold any of {@code deleted}, whether or not a checkpoint still names them (sorted). */
  List<String> taintedIdSets(DeletedIds deleted) {
    List<String> names = idSetNames();
    Set<String> tainted = new TreeSet<>();
    deleted.forEachRound(round -> names.stream().filter(sha -> !tainted.contains(sha))
        .filter(sha -> holdsAny(sha, round).orElse(false)).forEach(tainted::add));
    return List.copyOf(tainted);
  }

  /** Record-id sets whose content does not hash to their name. */
  List<String> damagedIdSets() {
    List<String> damaged = new ArrayList<>();
    for (String sha : idSetNames()) {
      try {
        idSets.check(sha);
      } catch (StoreException e) {
        damaged.add(sha);
      }
    }
    return damaged;
  }
}
