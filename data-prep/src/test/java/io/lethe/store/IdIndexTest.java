package io.lethe.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdIndexTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T12:00:00Z"), ZoneOffset.UTC);
  /** Enough rows for five row groups. */
  private static final int ROWS = 4 * IdIndex.ROWS_PER_GROUP + 100;

  @TempDir Path dir;
  LetheStore store;
  DataManifest.IndexFile index;
  List<IdIndex.Entry> written;

  static String record(int i) {
    return String.format(Locale.ROOT, "train-%06d", i);
  }

  @BeforeEach
  void writeIndex() {
    store = LetheStore.open(dir.toString(), new Configuration(), false, CLOCK);
    written = new ArrayList<>();
    try (IdIndex.Writer writer = IdIndex.writer(store, store.layout().idIndex(1), "v000001/" + IdIndex.RELATIVE_PATH)) {
      for (int i = 0; i < ROWS; i++) {
        // Subjects of three consecutive records, spread over 4 shards x 2 slices; every 10th row in the test split.
        IdIndex.Entry e = i % 10 == 9 ? new IdIndex.Entry(record(i), "s-" + i / 3, IdIndex.TEST, IdIndex.TEST)
            : new IdIndex.Entry(record(i), "s-" + i / 3, (i / 3) % 4, (i / 12) % 2);
        writer.add(e);
        written.add(e);
      }
      index = writer.finish();
    }
  }

  @Test
  void theManifestEntryDescribesTheFileAndItsContent() {
    assertThat(index.rows()).isEqualTo(ROWS);
    assertThat(index.path()).isEqualTo("v000001/_index/ids.parquet");
    assertThat(index.bytes()).isPositive();
    assertThat(IdIndex.contentHash(store, index)).isEqualTo(index.contentSha256());
    List<IdIndex.Entry> read = new ArrayList<>();
    IdIndex.forEach(store, index, read::add);
    assertThat(read).isEqualTo(written);
  }

  @Test
  void aRecordLookupReadsOneRowGroupOfFive() {
    IdIndex.Lookup found = IdIndex.lookup(store, index, Set.of(record(9000)), Set.of());
    assertThat(found.rowGroups()).isEqualTo(5);
    assertThat(found.rowGroupsRead()).isEqualTo(1);
    assertThat(found.entries()).containsExactly(written.get(9000));
  }

  @Test
  void unknownIdsReadNoRowGroupAndFindNothing() {
    IdIndex.Lookup found = IdIndex.lookup(store, index, Set.of("train-999999", "zzz"), Set.of("nobody"));
    assertThat(found.entries()).isEmpty();
    assertThat(found.rowGroupsRead()).isZero();
  }

  @Test
  void aSubjectLookupFindsEveryRowOfTheSubjectThroughTheBloomFilters() {
    IdIndex.Lookup found = IdIndex.lookup(store, index, Set.of(record(5)), Set.of("s-3000", "s-3"));
    assertThat(found.entries()).containsExactly(written.get(5), written.get(9), written.get(10), written.get(11),
        written.get(9000), written.get(9001), written.get(9002));
    // Statistics cannot rule out a row group for a subject id; the bloom filters leave the two that hold them.
    assertThat(found.rowGroupsRead()).isEqualTo(2);
  }

  @Test
  void rowsOutOfRecordIdOrderAreRefused() {
    try (IdIndex.Writer writer = IdIndex.writer(store, store.layout().idIndex(2), "v000002/" + IdIndex.RELATIVE_PATH)) {
      writer.add(new IdIndex.Entry("b", "s", 0, 0));
      assertThatThrownBy(() -> writer.add(new IdIndex.Entry("a", "s", 0, 0)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("Id index rows must come in record_id order (UTF-8 bytes, as Spark sorts and"
              + " Parquet's statistics compare): a after b in ");
    }
  }

  @Test
  void recordIdOrderIsTheOrderOfTheirUtf8BytesAsSparkSortsThem() {
    // Java's String order puts U+FF21 after U+1F600 (a surrogate pair); UTF-8 bytes, Spark and Parquet put it first.
    try (IdIndex.Writer writer = IdIndex.writer(store, store.layout().idIndex(3), "v000003/" + IdIndex.RELATIVE_PATH)) {
      writer.add(new IdIndex.Entry("\uFF21", "s", 0, 0));
      writer.add(new IdIndex.Entry("\uD83D\uDE00", "s", 0, 0));
      assertThatThrownBy(() -> writer.add(new IdIndex.Entry("\uFF21z", "s", 0, 0)))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("record_id order");
    }
  }
}
