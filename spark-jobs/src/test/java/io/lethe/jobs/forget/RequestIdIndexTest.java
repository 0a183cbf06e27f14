package io.lethe.jobs.forget;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.store.LetheStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger's request-id index: re-submissions are recognised across many submissions, merged or not; the index is
 * what answers (the submissions' own files are not read); a stale index is found by verify's check and rebuilt by
 * repair; and each crash state (a run of a submission never committed, an index never built or half built, a merge
 * that stopped before deleting its inputs) neither loses an acknowledged request nor lets a known one in again.
 * No Spark: acknowledgements go through {@link LedgerIntake} as {@code lethe forget --record} does.
 */
class RequestIdIndexTest {
  @TempDir Path dir;
  private Path root;
  private LetheStore store;

  @BeforeEach
  void store() {
    root = dir.resolve("store");
    store = LetheStore.open(root.toUri().toString(), new Configuration(), false, Clock.systemUTC());
  }

  private Ledger.Acknowledgement ack(String... recordIds) {
    return new LedgerIntake(store).acknowledge(CommandLineRequests.validate(List.of(recordIds), List.of(), "test"));
  }

  /** The request id of a record-id request, as the ledger stores it. */
  private static String requestId(String recordId) {
    return CommandLineRequests.validate(List.of(recordId), List.of(), null).get(0).requestId();
  }

  private void acknowledgeEach(int from, int to) {
    for (int i = from; i < to; i++) {
      assertThat(ack("r-" + i).received()).isEqualTo(1);
    }
  }

  private RequestIdIndex index() {
    return new RequestIdIndex(store);
  }

  private List<String> runNames() {
    return index().runs().stream().map(r -> r.path().getName()).toList();
  }

  @Test
  void aResubmissionIsRecognisedWhetherItsRunWasMergedOrIsTheNewest() {
    acknowledgeEach(0, 250);
    // 250 one-id runs: 25 merged into runs of 10, 20 of those into two runs of 100; five of 10 remain.
    assertThat(index().runs()).extracting(RequestIdIndex.Run::level)
        .containsExactlyInAnyOrder(1, 1, 1, 1, 1, 2, 2);
    acknowledgeEach(250, 253);
    assertThat(index().runs()).hasSize(10);

    Ledger.Acknowledgement again = ack("r-0", "r-137", "r-249", "r-252", "r-new");
    assertThat(again.received()).isEqualTo(1);
    assertThat(again.alreadyKnown()).isEqualTo(4);
    assertThat(index().known(java.util.Set.of(requestId("r-new"), requestId("r-7"), requestId("r-nowhere"))))
        .containsExactlyInAnyOrder(requestId("r-new"), requestId("r-7"));
    assertThat(index().check()).isEmpty();
    assertThat(new Ledger(
        () -> { throw new AssertionError("reading submissions needs no Spark"); }, store).submissions()).hasSize(254);
  }

  @Test
  void theIndexAnswersWithoutReadingTheSubmissions() throws IOException {
    acknowledgeEach(0, 25);
    // Remove every submission's Parquet (its sidecar stays): a scan of the submissions would now find nothing.
    try (Stream<Path> files = Files.walk(root.resolve("ledger/requests"))) {
      for (Path part : files.filter(p -> p.getFileName().toString().contains("part-")).toList()) {
        Files.delete(part);
      }
    }
    Ledger.Acknowledgement again = ack("r-3", "r-24", "r-25");
    assertThat(again.alreadyKnown()).isEqualTo(2);
    assertThat(again.received()).isEqualTo(1);
  }

  @Test
  void aStaleIndexIsFoundByTheCheckAndRebuilt() throws IOException {
    acknowledgeEach(0, 12);
    assertThat(index().check()).isEmpty();
    // The fault: the run holding r-11 (the newest, not merged) is gone, as if the index had missed a submission.
    Path newest = index().runs().stream().filter(RequestIdIndex.Run::ofOneSubmission)
        .map(RequestIdIndex.Run::path).reduce((a, b) -> b).map(p -> Path.of(p.toUri())).orElseThrow();
    String submission = newest.getFileName().toString().replaceFirst("^L00-s-", "").replace(".parquet", "");
    Files.delete(newest);

    assertThat(index().check()).containsExactly("submission " + submission + ": 1 request id(s) are not in the"
        + " request-id index (first: '" + requestId("r-11") + "'), so a re-submission of them would be acknowledged"
        + " and processed again; run `lethe repair` to rebuild the index");
    assertThat(index().known(java.util.Set.of(requestId("r-11")))).as("the stale index misses it").isEmpty();

    assertThat(index().rebuild()).isEqualTo(12);
    assertThat(index().check()).isEmpty();
    assertThat(ack("r-11", "r-0").alreadyKnown()).isEqualTo(2);
  }

  @Test
  void aRunOfASubmissionThatWasNeverCommittedIsRemovedAndItsIdsStayNew() {
    acknowledgeEach(0, 3);
    // A writer killed between committing its run and committing its submission.
    index().addRun("s-20261202T000000.000-deadbeef", List.of(requestId("r-lost")));
    assertThat(index().known(java.util.Set.of(requestId("r-lost")))).hasSize(1);

    Ledger.Acknowledgement retried = ack("r-lost", "r-1");
    assertThat(retried.received()).as("the request was never acknowledged: it must be taken now").isEqualTo(1);
    assertThat(retried.alreadyKnown()).isEqualTo(1);
    assertThat(runNames()).noneMatch(name -> name.contains("deadbeef"));
    assertThat(ack("r-lost").alreadyKnown()).isEqualTo(1);

    index().addRun("s-20261202T000000.000-0badf00d", List.of(requestId("r-other")));
    assertThat(index().removeUncommittedRuns()).isEqualTo(1);
    assertThat(index().check()).isEmpty();
  }

  @Test
  void anIndexNeverBuiltOrHalfBuiltIsBuiltBeforeTheFirstLookup() throws IOException {
    acknowledgeEach(0, 30);
    // A store written before the index existed: no index at all.
    try (Stream<Path> files = Files.walk(root.resolve("ledger/index"))) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    assertThat(index().check()).as("nothing is claimed before it is built").isEmpty();
    assertThat(ack("r-0", "r-29", "r-30").alreadyKnown()).isEqualTo(2);
    assertThat(root.resolve("ledger/index/" + RequestIdIndex.BUILT)).exists();

    // A build interrupted half-way: some runs, no marker. The next writer starts it again.
    Files.delete(root.resolve("ledger/index/" + RequestIdIndex.BUILT));
    for (RequestIdIndex.Run run : index().runs().subList(0, 2)) {
      Files.delete(Path.of(run.path().toUri()));
    }
    assertThat(ack("r-1", "r-12", "r-30", "r-31").alreadyKnown()).isEqualTo(3);
    assertThat(index().check()).isEmpty();
  }

  @Test
  void aMergeThatStoppedBeforeDeletingItsInputsLosesNothing() throws IOException {
    acknowledgeEach(0, 9);
    List<Path> inputs = new ArrayList<>();
    Path aside = Files.createDirectories(dir.resolve("aside"));
    for (RequestIdIndex.Run run : index().runs()) {
      Path file = Path.of(run.path().toUri());
      inputs.add(file);
      Files.copy(file, aside.resolve(file.getFileName()));
    }
    acknowledgeEach(9, 10);
    assertThat(index().runs()).extracting(RequestIdIndex.Run::level).containsExactly(1);
    // Put five inputs back, as if the merge had committed its output and been killed deleting them.
    for (Path input : inputs.subList(0, 5)) {
      Files.copy(aside.resolve(input.getFileName()), input);
    }
    assertThat(index().check()).isEmpty();
    acknowledgeEach(10, 25);
    assertThat(ack("r-0", "r-4", "r-9", "r-24", "r-25").alreadyKnown()).isEqualTo(4);
    assertThat(index().check()).isEmpty();
  }
}
