package io.lethe.jobs.forget;

import io.lethe.store.Json;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * The append-only journal of one forget batch: {@code ledger/batches/<batch>/journal/<NN>-<STATE>.json}, one file
 * per committed step, each created under a fresh name by the store's atomic commit. The batch is in the state of
 * its newest entry.
 */
public final class ForgetJournal {
  private final LetheStore store;
  private final String batchId;

  public ForgetJournal(LetheStore store, String batchId) {
    this.store = store;
    this.batchId = batchId;
  }

  public static Path batchesDir(LetheStore store) {
    return new Path(store.layout().ledgerDir(), "batches");
  }

  public static Path batchDir(LetheStore store, String batchId) {
    return new Path(batchesDir(store), batchId);
  }

  private Path journalDir() {
    return new Path(batchDir(store, batchId), "journal");
  }

  public String batchId() {
    return batchId;
  }

  /** Commits {@code result} as the batch's next step, chained into the store's audit trail. */
  @SuppressWarnings("unchecked")
  public JournalEntry append(StepResult result) {
    ForgetState state = result.state();
    Map<String, Object> details = Json.convert(result, Map.class, state + " result");
    JournalEntry entry = new JournalEntry(batchId, state, store.clock().instant().toString(), details);
    Path file = new Path(journalDir(), String.format(Locale.ROOT, "%02d-%s.json", state.ordinal(), state.name()));
    @SuppressWarnings("unchecked")
    Map<String, Object> fields = Json.read(Json.write(entry), Map.class, "journal entry " + file);
    new AuditChain(store).append(fields, file, bytes -> store.commitNewFile(file, bytes, false));
    return entry;
  }

  /** Every committed step, oldest first. */
  public List<JournalEntry> entries() {
    List<JournalEntry> entries = new ArrayList<>();
    for (FileStatus status : store.list(journalDir())) {
      if (status.getPath().getName().endsWith(".json")) {
        entries.add(Json.read(store.readString(status.getPath()), JournalEntry.class, status.getPath().toString()));
      }
    }
    entries.sort(Comparator.comparing(JournalEntry::state));
    return entries;
  }

  public Optional<JournalEntry> last() {
    List<JournalEntry> entries = entries();
    return entries.isEmpty() ? Optional.empty() : Optional.of(entries.get(entries.size() - 1));
  }

  /** The committed entry of {@code state}; fails if the batch never reached it. */
  public JournalEntry entry(ForgetState state) {
    return entries().stream().filter(e -> e.state() == state).findFirst().orElseThrow(() -> new StoreException(
        "Forget batch " + batchId + " has no committed " + state + " step; its journal is incomplete."));
  }

  /** The typed result of the committed step of {@code type}; fails if the batch never reached it. */
  public <T extends StepResult> T result(Class<T> type) {
    return find(type).orElseThrow(() -> new StoreException("Forget batch " + batchId + " has no committed "
        + stateOf(type) + " step; its journal is incomplete."));
  }

  /** The typed result of the step of {@code type}, if the batch committed it. */
  public <T extends StepResult> Optional<T> find(Class<T> type) {
    ForgetState state = stateOf(type);
    return entries().stream().filter(e -> e.state() == state).findFirst()
        .map(e -> Json.convert(e.details(), type, "forget batch " + batchId + " step " + state));
  }

  private static ForgetState stateOf(Class<? extends StepResult> type) {
    return ForgetState.valueOf(type.getSimpleName().replaceAll("([a-z])([A-Z])", "$1_$2")
        .toUpperCase(Locale.ROOT));
  }

  /** The ledger submissions a batch took, as its ACKNOWLEDGED step recorded them; empty before that step. */
  public static List<String> submissions(ForgetJournal journal) {
    return journal.find(StepResult.Acknowledged.class).map(StepResult.Acknowledged::submissions)
        .orElse(List.of());
  }

  /** All batch ids in the ledger, oldest first (ids start with their creation time). */
  public static List<String> batchIds(LetheStore store) {
    return store.list(batchesDir(store)).stream()
        .filter(FileStatus::isDirectory)
        .map(s -> s.getPath().getName())
        .sorted()
        .toList();
  }
}
