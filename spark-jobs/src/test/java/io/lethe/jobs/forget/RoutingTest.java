package io.lethe.jobs.forget;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.prep.IdIndexRows;
import io.lethe.prep.PrepareJob;
import io.lethe.store.DataManifest;
import io.lethe.store.IdIndex;
import io.lethe.store.LetheStore;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routing a batch by lookups in the id index finds exactly what the join with all examples finds, in the training
 * and the test split, and not-found for unknown ids; and it really asks the index, not the examples.
 */
class RoutingTest {
  @TempDir static java.nio.file.Path dir;
  static SparkSession spark;
  static LetheStore store;
  static DataManifest data;
  static int batches;

  @BeforeAll
  static void prepared() {
    spark = Fixtures.spark();
    java.nio.file.Path train = Fixtures.blobsCsv(dir, "train", 360, 7);
    java.nio.file.Path test = Fixtures.blobsCsv(dir, "test", 90, 8);
    LetheSettings settings = Fixtures.blobSettings(dir.resolve("store"), train, test);
    store = Fixtures.open(spark, settings);
    data = PrepareJob.run(spark, store, settings.data(), "prepare");
    new Ledger(spark, store).acknowledge(RequestReader.fromIds(spark,
        List.of("train-5", "test-7", "train-999", "nope", "train-101"),
        List.of("s-train-3", "s-test-2", "nobody", "s-train-33"), "test"));
  }

  /** A batch of every acknowledged submission, routed by {@code routing} against {@code version}. */
  static BatchRouting route(Routing routing, DataManifest version) {
    Ledger ledger = new Ledger(spark, store);
    ForgetJournal journal = new ForgetJournal(store, "b-routing-" + batches++);
    journal.append(new StepResult.Acknowledged(ledger.submissions().stream().map(Ledger.Submission::id).toList(),
        ledger.submissions().stream().mapToLong(Ledger.Submission::requests).sum(), "2026-12-02T12:00:00Z"));
    Routing.Summary summary = routing.route(journal, version);
    return new BatchRouting(summary, ledger.routedRows(journal.batchId()));
  }

  record BatchRouting(Routing.Summary summary, List<Ledger.RoutedRow> rows) {}

  static Routing routing(int lookupMaxIds) {
    return new Routing(() -> spark, store, new Ledger(spark, store), lookupMaxIds);
  }

  @Test
  void thePreparedVersionHasAnIndexOfItsTrainingAndTestRows() {
    assertThat(data.idIndex()).isNotNull();
    assertThat(data.idIndex().rows()).isEqualTo(360 + 90);
    List<IdIndex.Entry> entries = new ArrayList<>();
    IdIndex.forEach(store, data.idIndex(), entries::add);
    List<IdIndex.Entry> fromData = IdIndexRows.of(spark, store, data).orderBy("record_id").collectAsList().stream()
        .map(r -> new IdIndex.Entry(r.getString(0), r.getString(1), r.getInt(2), r.getInt(3))).toList();
    assertThat(entries).isEqualTo(fromData);
    assertThat(entries).filteredOn(IdIndex.Entry::inTestSplit).hasSize(90);
  }

  @Test
  void routingByIndexLookupEqualsRoutingByJoiningTheExamplesAndTheIndex() {
    BatchRouting lookup = route(routing(10_000), data);
    BatchRouting indexJoin = route(routing(0), data);
    BatchRouting examplesJoin = route(routing(10_000), data.withIdIndex(null));
    assertThat(lookup.summary().method()).isEqualTo(Routing.Method.INDEX_LOOKUP);
    assertThat(indexJoin.summary().method()).isEqualTo(Routing.Method.INDEX_JOIN);
    assertThat(examplesJoin.summary().method()).isEqualTo(Routing.Method.EXAMPLES_JOIN);

    assertThat(lookup.rows()).containsExactlyInAnyOrderElementsOf(examplesJoin.rows());
    assertThat(indexJoin.rows()).containsExactlyInAnyOrderElementsOf(examplesJoin.rows());
    for (BatchRouting other : List.of(indexJoin, examplesJoin)) {
      assertThat(lookup.summary().deletedRows()).isEqualTo(other.summary().deletedRows());
      assertThat(lookup.summary().trainRows()).isEqualTo(other.summary().trainRows());
      assertThat(lookup.summary().testRows()).isEqualTo(other.summary().testRows());
      assertThat(lookup.summary().notFound()).isEqualTo(other.summary().notFound());
    }

    // train-5 and train-101 alone, s-train-3 its three rows (train-9..11), s-train-33 train-99..101.
    assertThat(lookup.summary().trainRows()).isEqualTo(2 + 3 + 3);
    // test-7 and s-test-2's rows test-6..8.
    assertThat(lookup.summary().testRows()).isEqualTo(1 + 3);
    assertThat(lookup.summary().notFound()).isEqualTo(3);
    assertThat(lookup.rows()).filteredOn(r -> r.split() == null).extracting(Ledger.RoutedRow::id)
        .containsExactlyInAnyOrder("train-999", "nope", "nobody");
    assertThat(lookup.rows()).filteredOn(r -> "test-7".equals(r.id())).singleElement()
        .satisfies(r -> {
          assertThat(r.split()).isEqualTo(ForgetJob.TEST);
          assertThat(r.shard()).isEqualTo(IdIndex.TEST);
          assertThat(r.slice()).isEqualTo(IdIndex.TEST);
        });
    assertThat(lookup.rows()).filteredOn(r -> "s-train-3".equals(r.id())).extracting(Ledger.RoutedRow::recordId)
        .containsExactlyInAnyOrder("train-9", "train-10", "train-11");
  }

  @Test
  void routingAsksTheIndexNotTheExamples() {
    // A record only the (planted) index knows of: routed by the index it is found, by the examples it is not.
    Path ghostPath = new Path(store.layout().dataVersion(data.version()), "_planted/ids.parquet");
    List<IdIndex.Entry> entries = new ArrayList<>();
    IdIndex.forEach(store, data.idIndex(), entries::add);
    assertThat(entries).extracting(IdIndex.Entry::recordId).doesNotContain("train-999");
    entries.add(new IdIndex.Entry("train-999", "s-ghost", 2, 1));
    entries.sort(java.util.Comparator.comparing(IdIndex.Entry::recordId));
    DataManifest.IndexFile withGhost;
    try (IdIndex.Writer writer = IdIndex.writer(store, ghostPath, "v000001/_planted/ids.parquet")) {
      entries.forEach(writer::add);
      withGhost = writer.finish();
    }
    BatchRouting byIndex = route(routing(10_000), data.withIdIndex(withGhost));
    assertThat(byIndex.rows()).filteredOn(r -> "train-999".equals(r.id())).singleElement()
        .satisfies(r -> {
          assertThat(r.split()).isEqualTo(ForgetJob.TRAIN);
          assertThat(r.shard()).isEqualTo(2);
          assertThat(r.slice()).isEqualTo(1);
        });
    assertThat(byIndex.summary().notFound()).isEqualTo(2);
    BatchRouting byExamples = route(routing(10_000), data.withIdIndex(null));
    assertThat(byExamples.rows()).filteredOn(r -> "train-999".equals(r.id())).singleElement()
        .satisfies(r -> assertThat(r.split()).isNull());
    store.deleteIfExists(ghostPath.getParent());
  }
}
