package io.lethe.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.store.Json;
import io.lethe.store.LetheStore;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench capacity} end to end on tiny blobs: 3 shards x 4 slices, the four configurations. */
class CapacityBenchmarkTest {
  @TempDir static Path dir;
  static CapacityBenchmark.Report report;

  @BeforeAll
  static void runTheBenchmark() {
    SparkSession spark = Fixtures.spark();
    Path train = Fixtures.blobsCsv(dir, "train", 240, 17);
    Path test = Fixtures.blobsCsv(dir, "test", 60, 18);
    LetheSettings settings = Fixtures.blobSettings(dir.resolve("store"), train, test, "lethe.data.slices=4",
        "lethe.model.epochs=5");
    LetheStore store = Fixtures.open(spark, settings);
    report = CapacityBenchmark.run(spark, store, settings, new CapacityBenchmark.Options(5, 30));
  }

  @Test
  void everyConfigurationIsReportedWithItsOrdersAndCosts() {
    assertThat(report.configurations()).extracting(CapacityBenchmark.ConfigurationResult::name)
        .containsExactly("sisa-b1", "cyclic-b2", "cyclic-b4", "bipartite-b4");
    assertThat(report.configurations()).extracting(CapacityBenchmark.ConfigurationResult::sequences)
        .containsExactly(1, 2, 4, 4);
    assertThat(report.configurations()).extracting(CapacityBenchmark.ConfigurationResult::selection)
        .containsExactly("cyclic", "cyclic", "cyclic", "bipartite");
    CapacityBenchmark.ConfigurationResult sisa = report.configurations().get(0);
    CapacityBenchmark.ConfigurationResult cyclic4 = report.configurations().get(2);
    assertThat(sisa.orders()).hasSize(3).allSatisfy(orders -> assertThat(orders).containsExactly(
        List.of(0, 1, 2, 3)));
    assertThat(cyclic4.orders().get(0)).containsExactly(List.of(0, 1, 2, 3), List.of(1, 2, 3, 0),
        List.of(2, 3, 0, 1), List.of(3, 0, 1, 2));
    // Rotations share no prefix: 3 shards x 4 orders x 4 stages distinct checkpoints, 4x SISA's.
    assertThat(sisa.checkpoints()).isEqualTo(12);
    assertThat(cyclic4.checkpoints()).isEqualTo(48);
    assertThat(cyclic4.checkpointBytes()).isGreaterThan(3 * sisa.checkpointBytes());
    assertThat(report.configurations()).allSatisfy(c -> {
      assertThat(c.trainingSeconds()).isPositive();
      assertThat(c.initialAccuracy()).isGreaterThan(0.9);
    });
  }

  @Test
  void curvesHaveOnePointPerDeletionAndStartWithEveryShardServed() {
    for (CapacityBenchmark.ConfigurationResult c : report.configurations()) {
      assertThat(c.curve()).as(c.name()).hasSize(31);
      assertThat(c.streams()).extracting(CapacityBenchmark.StreamResult::stream)
          .containsExactly("random-records", "subjects", "skewed-records");
      for (CapacityBenchmark.StreamResult stream : c.streams()) {
        assertThat(stream.curve()).hasSize(31);
        assertThat(stream.shardsServed().get(0)).isEqualTo(3.0);
        assertThat(stream.trainingRowsServed().get(0)).isEqualTo(240.0);
        assertThat(stream.capabilityPerSeed()).hasSize(5);
        assertThat(stream.shardsServed()).isSortedAccordingTo((a, b) -> Double.compare(b, a));
      }
      assertThat(c.deletionCapability()).isEqualTo(c.streams().get(0).deletionCapability());
    }
  }

  @Test
  void moreOrdersAbsorbMoreDeletionsOnTheSameStreams() {
    List<CapacityBenchmark.ConfigurationResult> c = report.configurations();
    for (int stream = 0; stream < 3; stream++) {
      double b1 = c.get(0).streams().get(stream).deletionCapability();
      double b4 = c.get(2).streams().get(stream).deletionCapability();
      assertThat(b4).as("cyclic B=4 vs B=1 on %s", c.get(0).streams().get(stream).stream())
          .isGreaterThanOrEqualTo(b1);
      // After 10 deletions B=4 still serves at least as many rows as B=1 on every stream.
      assertThat(c.get(2).streams().get(stream).trainingRowsServed().get(10))
          .isGreaterThanOrEqualTo(c.get(0).streams().get(stream).trainingRowsServed().get(10));
    }
    assertThat(c.get(2).deletionCapability()).isGreaterThan(c.get(0).deletionCapability());
  }

  @Test
  void everyAggregationIsReplayedAndTheConfiguredOneIsQuoted() {
    for (CapacityBenchmark.ConfigurationResult c : report.configurations()) {
      assertThat(c.aggregation()).isEqualTo("mean-softmax");
      assertThat(c.aggregations()).extracting(CapacityBenchmark.AggregationResult::aggregation)
          .containsExactly("mean-softmax", "majority-vote", "weighted");
      CapacityBenchmark.AggregationResult mean = c.aggregations().get(0);
      assertThat(c.curve()).isEqualTo(mean.curve());
      assertThat(c.deletionCapability()).isEqualTo(mean.deletionCapability());
      for (CapacityBenchmark.AggregationResult a : c.aggregations()) {
        assertThat(a.curve()).as(c.name() + " " + a.aggregation()).hasSize(31);
        assertThat(a.initialAccuracy()).isGreaterThan(0.9);
        // Which checkpoints are served does not depend on the vote.
        assertThat(a.streams().get(0).trainingRowsServed()).isEqualTo(mean.streams().get(0).trainingRowsServed());
      }
    }
  }

  @Test
  void trainingCostIsMeasuredInCpuTimeAndComparedWithSisa() {
    for (CapacityBenchmark.ConfigurationResult c : report.configurations()) {
      assertThat(c.trainingCpuSeconds()).as(c.name()).isPositive();
      assertThat(c.trainingProcessCpuSeconds()).as(c.name()).isGreaterThanOrEqualTo(c.trainingCpuSeconds() * 0.5);
    }
    assertThat(report.trainingCostRatios()).extracting(CapacityBenchmark.TrainingCostRatio::configuration)
        .containsExactly("sisa-b1", "cyclic-b2", "cyclic-b4", "bipartite-b4");
    assertThat(report.trainingCostRatios().get(0).taskCpu()).isEqualTo(1.0);
    // Cyclic B=4 trains four times SISA's examples: its CPU time is well above SISA's.
    assertThat(report.trainingCostRatios().get(2).taskCpu()).isGreaterThan(2.0);
    assertThat(report.trainingCostRatios()).allSatisfy(r -> assertThat(r.relativeTo()).isEqualTo("sisa-b1"));
  }

  @Test
  void theJsonHasTheFieldsTheIssueAsksFor() throws Exception {
    JsonNode json = new ObjectMapper().readTree(Json.write(report));

    assertThat(json.get("benchmark").asText()).isEqualTo("capacity");
    for (JsonNode configuration : json.get("configurations")) {
      assertThat(configuration.has("sequences")).isTrue();
      assertThat(configuration.has("selection")).isTrue();
      assertThat(configuration.get("deletionCapability").isNumber()).isTrue();
      assertThat(configuration.get("curve").isArray()).isTrue();
      assertThat(configuration.get("trainingSeconds").isNumber()).isTrue();
      assertThat(configuration.get("checkpointBytes").asLong()).isPositive();
      assertThat(configuration.get("trainingCpuSeconds").isNumber()).isTrue();
      assertThat(configuration.get("aggregations").get(2).get("deletionCapability").isNumber()).isTrue();
    }
    assertThat(json.get("trainingCostRatios").get(2).get("taskCpu").isNumber()).isTrue();
  }
}
