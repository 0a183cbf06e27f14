package io.lethe.jobs.forget;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.checkpoint.RecordIdSets;
import io.lethe.models.Provenance;
import io.lethe.store.LetheStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;

/**
 * Answers, from provenance and record-id sets alone, which stored checkpoints were trained on any of a set of
 * records. Shared by the purge (delete them) and by {@code lethe verify} (none may remain).
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

  /** A stored checkpoint that saw deleted records, or whose record-id sets are missing (so it cannot be cleared). */
  record Tainted(String sha256, int shard, int slice, List<String> idSets, boolean unverifiable) {}

  /** Every provenance record in the store. */
  List<Provenance> provenance() {
    List<Provenance> all = new ArrayList<>();
    for (FileStatus status : store.list(store.layout().checkpointsDir())) {
      String name = status.getPath().getName();
      if (name.endsWith(".json")) {
        all.add(checkpoints.loadProvenance(name.substring(0, name.length() - ".json".length())));
      }
    }
    return all;
  }

  /** Checkpoints whose training data included any of {@code deleted}. */
  List<Tainted> tainted(Set<String> deleted) {
    Map<String, Boolean> setHolds = new HashMap<>();
    List<Tainted> tainted = new ArrayList<>();
    for (Provenance p : provenance()) {
      List<String> holding = new ArrayList<>();
      boolean unverifiable = false;
      for (String set : p.sliceRecordIdsSha256()) {
        if (!idSets.exists(set)) {
          unverifiable = true;
          continue;
        }
        if (setHolds.computeIfAbsent(set, s -> idSets.load(s).stream().anyMatch(deleted::contains))) {
          holding.add(set);
        }
      }
      if (!holding.isEmpty() || unverifiable) {
        tainted.add(new Tainted(p.zipSha256(), p.shard(), p.slice(), holding, unverifiable));
      }
    }
    return tainted;
  }

  /** Record-id sets that hold any of {@code deleted}, whether or not a checkpoint still names them. */
  List<String> taintedIdSets(Set<String> deleted) {
    List<String> sets = new ArrayList<>();
    for (FileStatus status : store.list(store.layout().recordIdSetsDir())) {
      String name = status.getPath().getName();
      if (name.endsWith(".txt")) {
        String sha = name.substring(0, name.length() - ".txt".length());
        if (idSets.load(sha).stream().anyMatch(deleted::contains)) {
          sets.add(sha);
        }
      }
    }
    return sets;
  }
}
