package io.lethe.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.config.SettingsLoader;
import io.lethe.jobs.report.ReportJob;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.prep.ExamplesReader;
import io.lethe.store.DataManifest;
import io.lethe.store.Json;
import io.lethe.store.LetheStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench scale --rows 2000,4000} through the real prepare, train, forget and verify, with the driver's id
 * bound set below the 1,000-record batch so that its purge and verify run in rounds.
 */
class ScaleBenchmarkTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static LetheSettings base;
  static List<ScaleBenchmark.SizeResult> sizes;
  static String json;

  @BeforeAll
  static void runTheBenchmark() {
    spark = Fixtures.spark();
    base = SettingsLoader.load(List.of("lethe.data.slices=2", "lethe.model.learning-rate=0.01",
        "lethe.model.batch-size=32", "lethe.forget.max-driver-record-ids=300", "lethe.predict.batch-size=200"));
    sizes = ScaleBenchmark.run(spark, base, new ScaleBenchmark.Options(List.of(2000L, 4000L), 3, 16, 3, 4, 2,
        List.of(8), 11, dir.resolve("work")));
    json = Json.write(sizes);
  }

  @Test
  void theJsonIsAListWithOneEntryPerSizeAndEveryFigure() throws Exception {
    JsonNode list = new ObjectMapper().readTree(json);
    assertThat(list.isArray()).isTrue();
    assertThat(list).hasSize(2);
    assertThat(list.get(0).get("rows").asLong()).isEqualTo(2000);
    assertThat(list.get(1).get("rows").asLong()).isEqualTo(4000);
    for (JsonNode size : list) {
      for (String field : List.of("shards", "prepareSeconds", "trainSeconds", "forgetOneRecordSeconds",
          "forgetThousandRecordsSeconds", "verifySeconds", "driverPeakHeapBytes", "storeBytes")) {
        assertThat(size.get(field)).as(field).isNotNull();
        assertThat(size.get(field).asDouble()).as(field).isPositive();
      }
      assertThat(size.get("shards").asInt()).isEqualTo(3);
      assertThat(size.get("slices").asInt()).isEqualTo(2);
      assertThat(size.get("features").asInt()).isEqualTo(16);
      assertThat(size.get("epochs").asInt()).isEqualTo(2);
      assertThat(size.get("maxDriverRecordIds").asLong()).isEqualTo(300);
      assertThat(size.get("driverHeapByStep").fieldNames()).toIterable()
          .containsExactlyInAnyOrder("generate", "prepare", "train", "forget-1", "forget-1000", "verify");
    }
  }

  @Test
  void forgetRemovedTheRecordsAndVerifyFoundThemGoneEverywhere() {
    for (ScaleBenchmark.SizeResult size : sizes) {
      assertThat(size.verifyOk()).isTrue();
      assertThat(size.verifiedDeletedRecords()).isEqualTo(ScaleBenchmark.THOUSAND + 1);
      assertThat(size.forgetOneRecordShardsTouched()).isEqualTo(1);
      assertThat(size.forgetThousandRecordsShardsTouched()).isEqualTo(3);
      LetheStore store = LetheStore.open(dir.resolve("work/rows-" + size.rows() + "/store").toString(),
          spark.sparkContext().hadoopConfiguration(), false, java.time.Clock.systemUTC());
      DataManifest data = store.readLatestDataManifest();
      List<String> kept = ExamplesReader.examples(spark, store, data).select("record_id").as(Encoders.STRING())
          .collectAsList();
      assertThat(kept).hasSize((int) size.rows() - ScaleBenchmark.THOUSAND - 1)
          .doesNotContainAnyElementsOf(ScaleBenchmark.recordsToForget(11, size.rows()));
      assertThat(store.readServedGeneration().servedShards()).hasSize(3);
    }
    // The inputs are gone, the stores stay.
    assertThat(dir.resolve("work/rows-2000/input")).doesNotExist();
    assertThat(dir.resolve("work/rows-2000/store")).isDirectory();
  }

  @Test
  void theModelLearnsTheClassesAndTheStoreGrowsWithTheRows() {
    assertThat(sizes.get(1).testAccuracy()).isGreaterThan(0.6);
    assertThat(sizes.get(1).inputBytes()).isGreaterThan(sizes.get(0).inputBytes());
    assertThat(sizes.get(0).driverPeakHeapAfterCollectionBytes()).isPositive()
        .isLessThanOrEqualTo(sizes.get(0).driverMaxHeapBytes());
  }

  @Test
  void theReportDrawsTheScaleCharts() throws Exception {
    Path file = dir.resolve("bench-scale.json");
    Files.writeString(file, json, StandardCharsets.UTF_8);
    LetheSettings settings = ScaleBenchmark.settingsFor(base, new ScaleBenchmark.Options(List.of(2000L), 3, 16, 3, 4,
        2, List.of(8), 11, dir.resolve("work")), dir.resolve("work/rows-2000/store").toString(), "unused", "unused");
    LetheStore store = Fixtures.open(spark, settings);
    ReportJob.Outcome outcome = ReportJob.run(spark, store, settings, dir.resolve("report"), null, file);
    assertThat(outcome.charts()).extracting(p -> p.getFileName().toString())
        .contains("scale-seconds.png", "scale-bytes.png");
    assertThat(dir.resolve("report/scale-seconds.png")).isNotEmptyFile();
    String page = Files.readString(outcome.page());
    assertThat(page).contains("<h2>Scale</h2>", "<table id=\"scale\">", "<td>2000</td><td>3 x 2</td>",
        "<td>4000</td><td>3 x 2</td>");
  }

  @Test
  void tooFewRowsAreRefusedBeforeAnythingRuns() {
    assertThatThrownBy(() -> new ScaleBenchmark.Options(List.of(1000L), 3, 8, 3, 4, 1, List.of(8), 1, dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bench scale needs at least 2000 rows per size (it forgets 1001 records), got 1000; pass larger"
            + " sizes to --rows");
  }
}
