package io.lethe.jobs.forget;

import io.lethe.jobs.checkpoint.RecordIdSets;
import io.lethe.store.FailPoints;
import io.lethe.store.GenerationManifest;
import io.lethe.store.Json;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PURGED step: deletes every checkpoint whose provenance shows it saw a deleted record (every stage of every
 * slice order, those of older generations included), the record-id sets holding deleted ids, and staging leftovers. It
 * runs right after the clean generation is served, so nothing it deletes is needed for serving; it refuses to
 * delete a checkpoint the served generation still uses.
 */
final class Purge {
  private static final Logger LOG = LoggerFactory.getLogger(Purge.class);

  private final LetheStore store;
  private final long maxDriverRecordIds;

  /** @param maxDriverRecordIds deleted ids held on the driver at once ({@code lethe.forget.max-driver-record-ids}) */
  Purge(LetheStore store, long maxDriverRecordIds) {
    this.store = store;
    this.maxDriverRecordIds = maxDriverRecordIds;
  }

  /** The checkpoints a batch's purge deletes, committed before it deletes any. */
  record PurgePlan(List<StepResult.PurgedCheckpoint> checkpoints) {}

  /**
   * @param ledger where the batch's routing is: a batch that deleted at most {@code max-driver-record-ids} rows has
   *     its ids read from it without Spark ({@link Ledger#deletedIds}), a larger one by Spark in rounds
   *     ({@link Ledger#routed})
   */
  StepResult.Purged run(ForgetJournal journal, Ledger ledger) {
    StepResult.Routed routing = journal.result(StepResult.Routed.class);
    DeletedIds deleted = routing.trainRows() + routing.testRows() <= maxDriverRecordIds
        ? DeletedIds.onDriver(ledger.deletedIds(journal.batchId()), maxDriverRecordIds)
        : DeletedIds.of(List.of(ledger.routed(journal.batchId())), maxDriverRecordIds);
    CheckpointScan scan = new CheckpointScan(store);
    GenerationManifest served = store.readServedGeneration();
    Set<String> inUse = new HashSet<>(served.checkpoints());
    // The plan is committed before anything is deleted, so a purge interrupted half-way and run again still
    // reports (and verify still attributes) the checkpoints the first run deleted.
    Path planPath = new Path(ForgetJournal.batchDir(store, journal.batchId()), "purge-plan.json");
    List<StepResult.PurgedCheckpoint> purged = new ArrayList<>(store.exists(planPath)
        ? Json.read(store.readString(planPath), PurgePlan.class, planPath.toString()).checkpoints()
        : List.of());
    Set<String> planned = new HashSet<>();
    purged.forEach(c -> planned.add(c.sha256()));
    for (CheckpointScan.Tainted t : scan.tainted(deleted)) {
      if (inUse.contains(t.sha256())) {
        throw new StoreException("Refusing to purge checkpoint " + t.sha256() + " (shard " + t.shard() + " slice "
            + t.slice() + "): generation " + served.number() + " still serves it although it saw deleted records."
            + " The store is inconsistent; run `lethe verify` and report this.");
      }
      if (planned.add(t.sha256())) {
        purged.add(new StepResult.PurgedCheckpoint(t.sha256(), t.shard(), t.slice(),
            t.unverifiable() ? "record-id sets missing" : "trained on deleted records"));
      }
    }
    store.commitNewFile(planPath, Json.write(new PurgePlan(purged)).getBytes(StandardCharsets.UTF_8), true);
    int removed = 0;
    for (StepResult.PurgedCheckpoint c : purged) {
      store.deleteIfExists(store.layout().checkpointZip(c.sha256()));
      store.deleteIfExists(store.layout().checkpointProvenance(c.sha256()));
      if (++removed == 1) {
        FailPoints.check("forget.PURGED.after-first-checkpoint");
      }
    }
    List<String> sets = scan.taintedIdSets(deleted);
    RecordIdSets idSets = new RecordIdSets(store);
    sets.forEach(idSets::delete);
    int staging = 0;
    for (FileStatus leftover : store.list(store.layout().stagingDir())) {
      store.deleteIfExists(leftover.getPath());
      staging++;
    }
    LOG.info("Forget batch {}: purged {} checkpoint(s), {} record-id set(s), {} staging leftover(s)",
        journal.batchId(), purged.size(), sets.size(), staging);
    return new StepResult.Purged(purged, sets, staging);
  }
}
