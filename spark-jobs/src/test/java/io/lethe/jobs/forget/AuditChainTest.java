package io.lethe.jobs.forget;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.jobs.forget.AuditChain.Finding;
import io.lethe.models.CheckpointCodec;
import io.lethe.store.LetheStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail as a compliance team relies on it: two ledger submissions and three journal steps chained in
 * commit order; each way of tampering with an entry is named exactly.
 */
class AuditChainTest {
  @TempDir Path dir;

  static final String BATCH = "b-20261202T060000-abcdef";

  /** A store whose trail is: submission 1, submission 2, ACKNOWLEDGED, ROUTED, SERVING_CLEAN (seq 1..5). */
  LetheStore trail() {
    LetheStore store = LetheStore.open(dir.resolve("store").toString(), new Configuration(), false,
        Clock.systemUTC());
    new LedgerIntake(store).acknowledge(CommandLineRequests.validate(List.of("r-1"), List.of(), "GDPR"));
    new LedgerIntake(store).acknowledge(CommandLineRequests.validate(List.of(), List.of("s-2"), "CCPA"));
    ForgetJournal journal = new ForgetJournal(store, BATCH);
    journal.append(new StepResult.Acknowledged(List.of("a", "b"), 2, "2026-12-01T00:00:00Z"));
    journal.append(new StepResult.Routed(1, 1, Map.of(0, Map.of(0, 10L)), null, 10, 0, 0, 1.0, null));
    journal.append(new StepResult.ServingClean(2, 1, 0.5, List.of()));
    return store;
  }

  Path file(String relative) {
    return dir.resolve("store").resolve(relative);
  }

  static String journal(String name) {
    return "ledger/batches/" + BATCH + "/journal/" + name;
  }

  String sha(String relative) throws IOException {
    return CheckpointCodec.sha256Hex(Files.readAllBytes(file(relative)));
  }

  @Test
  void anUntouchedTrailVerifiesAndItsHeadIsItsNewestEntry() throws IOException {
    LetheStore store = trail();
    AuditChain.Verification result = new AuditChain(store).verify(null);
    assertThat(result.findings()).isEmpty();
    assertThat(result.entries()).isEqualTo(5);
    assertThat(result.head()).isEqualTo(sha(journal("02-SERVING_CLEAN.json")));
    assertThat(Files.readString(file(journal("02-SERVING_CLEAN.json"))))
        .contains("\"chain\" : \"" + sha(journal("01-ROUTED.json")) + "\"");
    assertThat(new AuditChain(store).verify(result.head()).findings()).isEmpty();
    assertThat(new ForgetJournal(store, BATCH).entries()).hasSize(3);
  }

  @Test
  void anEditedEntryIsNamed() throws IOException {
    LetheStore store = trail();
    String recorded = sha(journal("01-ROUTED.json"));
    Path routed = file(journal("01-ROUTED.json"));
    Files.writeString(routed, Files.readString(routed).replace("10", "9"), StandardCharsets.UTF_8);
    Files.deleteIfExists(routed.resolveSibling(".01-ROUTED.json.crc"));

    assertThat(new AuditChain(store).verify(null).findings()).containsExactly(new Finding(
        journal("01-ROUTED.json") + " (seq 4)", "was edited: its bytes hash to " + sha(journal("01-ROUTED.json"))
            + " but the chain recorded " + recorded));
  }

  @Test
  void aRemovedEntryIsNamed() throws IOException {
    LetheStore store = trail();
    Files.delete(file(journal("01-ROUTED.json")));

    assertThat(new AuditChain(store).verify(null).findings()).containsExactly(new Finding(
        journal("01-ROUTED.json") + " (seq 4)", "was removed: the chain records it but the file is gone"));
  }

  @Test
  void anEntryRemovedWithItsLinkIsNamedByTheGapItLeaves() throws IOException {
    LetheStore store = trail();
    String routed = sha(journal("01-ROUTED.json"));
    Files.delete(file(journal("01-ROUTED.json")));
    Files.delete(file("ledger/chain/0000000004.json"));

    assertThat(new AuditChain(store).verify(null).findings()).containsExactly(
        new Finding("seq 4", "the chain has no entry 4: an entry and its link were removed"),
        new Finding(journal("02-SERVING_CLEAN.json") + " (seq 5)", "its link names predecessor " + routed
            + " but the entry before it in the chain hashes to " + sha(journal("00-ACKNOWLEDGED.json"))
            + ": entries were reordered, inserted or removed"));
  }

  @Test
  void reorderedEntriesAreNamed() throws IOException {
    LetheStore store = trail();
    Path first = file(journal("00-ACKNOWLEDGED.json"));
    Path second = file(journal("01-ROUTED.json"));
    byte[] a = Files.readAllBytes(first);
    byte[] b = Files.readAllBytes(second);
    Files.write(first, b);
    Files.write(second, a);
    Files.deleteIfExists(first.resolveSibling("." + first.getFileName() + ".crc"));
    Files.deleteIfExists(second.resolveSibling("." + second.getFileName() + ".crc"));

    assertThat(new AuditChain(store).verify(null).findings()).containsExactly(
        new Finding(journal("00-ACKNOWLEDGED.json") + " (seq 3)", "holds the entry the chain records at seq 4 ("
            + journal("01-ROUTED.json") + "): entries were reordered"),
        new Finding(journal("01-ROUTED.json") + " (seq 4)", "holds the entry the chain records at seq 3 ("
            + journal("00-ACKNOWLEDGED.json") + "): entries were reordered"));
  }

  @Test
  void anInsertedEntryIsNamed() throws IOException {
    LetheStore store = trail();
    Path forged = file(journal("03-DATA_REWRITTEN.json"));
    Files.writeString(forged, Files.readString(file(journal("02-SERVING_CLEAN.json")))
        .replace("SERVING_CLEAN", "DATA_REWRITTEN"), StandardCharsets.UTF_8);

    assertThat(new AuditChain(store).verify(null).findings()).containsExactly(new Finding(
        journal("03-DATA_REWRITTEN.json"), "is not in the chain: it was inserted after the fact"));
  }

  @Test
  void removingTheNewestEntriesIsFoundAgainstAPinnedHead() throws IOException {
    LetheStore store = trail();
    String pinned = new AuditChain(store).verify(null).head();
    Files.delete(file(journal("02-SERVING_CLEAN.json")));
    Files.delete(file("ledger/chain/0000000005.json"));

    assertThat(new AuditChain(store).verify(null).findings()).isEmpty();
    assertThat(new AuditChain(store).verify(pinned).findings()).containsExactly(new Finding("head",
        "the pinned head " + pinned + " is not in the chain (its head is " + sha(journal("01-ROUTED.json"))
            + "): entries up to the pinned head were removed or the chain was rewritten"));
  }

  @Test
  void anEntryLeftUnlinkedByAKilledWriterIsLinkedByTheNextAppend() throws IOException {
    LetheStore store = trail();
    Files.delete(file("ledger/chain/0000000005.json"));
    Files.deleteIfExists(file("ledger/chain/.0000000005.json.crc"));
    assertThat(new AuditChain(store).verify(null).findings()).containsExactly(new Finding(
        journal("02-SERVING_CLEAN.json"), "is not in the chain: it was inserted after the fact"));

    new ForgetJournal(store, BATCH).append(new StepResult.DataRewritten(2, List.of(), List.of(), List.of(), 0.0));

    AuditChain.Verification healed = new AuditChain(store).verify(null);
    assertThat(healed.findings()).isEmpty();
    assertThat(healed.entries()).isEqualTo(6);
    assertThat(healed.head()).isEqualTo(sha(journal("03-DATA_REWRITTEN.json")));
  }

  @Test
  void entriesWrittenBeforeTheChainExistedStillRead() throws IOException {
    Path old = file("ledger/requests/s-20200101T000000.000-00000000/_submission.json");
    Files.createDirectories(old.getParent());
    Files.writeString(old, "{\"id\": \"s-20200101T000000.000-00000000\", \"requests\": 1, \"acknowledgedAt\":"
        + " \"2020-01-01T00:00:00Z\"}");
    LetheStore store = trail();

    assertThat(new AuditChain(store).verify(null).findings()).isEmpty();
    assertThat(new Ledger(
        () -> { throw new AssertionError("reading submissions needs no Spark"); }, store).submissions()).hasSize(3);
  }
}
