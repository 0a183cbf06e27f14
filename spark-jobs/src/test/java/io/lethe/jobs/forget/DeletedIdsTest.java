package io.lethe.jobs.forget;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.train.TrainJob;
import io.lethe.prep.ExamplesReader;
import io.lethe.prep.PrepareJob;
import io.lethe.store.LetheStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The purge and verify hand deleted ids to the driver in bounded rounds: every round within the bound, every id in
 * some round, and the checkpoints and record-id sets found tainted the same as with all ids at once.
 */
class DeletedIdsTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static LetheStore store;
  /** 25 records the models were trained on, as a routed batch would name them, plus one that was not found. */
  static Dataset<Row> routed;
  static List<String> trainedOn;

  @BeforeAll
  static void trainAStore() {
    spark = Fixtures.spark();
    Path train = Fixtures.blobsCsv(dir, "train", 240, 17);
    Path test = Fixtures.blobsCsv(dir, "test", 60, 18);
    LetheSettings settings = Fixtures.blobSettings(dir.resolve("store"), train, test, "lethe.model.epochs=2");
    store = Fixtures.open(spark, settings);
    PrepareJob.run(spark, store, settings.data(), "prepare");
    TrainJob.run(spark, store, settings, false);
    Dataset<Row> examples = ExamplesReader.examples(spark, store, store.readLatestDataManifest());
    trainedOn = examples.select("record_id").orderBy("record_id").limit(25).as(Encoders.STRING()).collectAsList();
    Dataset<Row> found = examples.filter(col("record_id").isin(trainedOn.toArray()))
        .select(col("record_id"), lit(ForgetJob.TRAIN).as(ForgetJob.SPLIT));
    Dataset<Row> notFound = spark.range(1).select(lit(null).cast("string").as("record_id"),
        lit(null).cast("string").as(ForgetJob.SPLIT));
    routed = found.unionByName(notFound);
  }

  @Test
  void roundsStayWithinTheBoundAndTogetherHoldEveryIdOnce() {
    List<Set<String>> rounds = new ArrayList<>();
    DeletedIds deleted = DeletedIds.of(List.of(routed, routed), 4);
    deleted.forEachRound(rounds::add);
    assertThat(deleted.count()).isEqualTo(25);
    assertThat(rounds).hasSizeGreaterThanOrEqualTo(7).allSatisfy(round -> assertThat(round).hasSizeBetween(1, 4));
    List<String> all = rounds.stream().flatMap(Set::stream).toList();
    assertThat(all).hasSize(25).containsExactlyInAnyOrderElementsOf(trainedOn);
  }

  @Test
  void aBucketLargerThanTheBoundIsSplit() {
    List<Set<String>> rounds = new ArrayList<>();
    DeletedIds.of(List.of(routed), 1).forEachRound(rounds::add);
    assertThat(rounds).hasSize(25).allSatisfy(round -> assertThat(round).hasSize(1));
  }

  @Test
  void checkpointsTrainedOnTheIdsAreFoundTheSameInRoundsAsAtOnce() {
    CheckpointScan scan = new CheckpointScan(store);
    List<CheckpointScan.Tainted> atOnce = scan.tainted(DeletedIds.of(List.of(routed), Long.MAX_VALUE));
    List<CheckpointScan.Tainted> inRounds = scan.tainted(DeletedIds.of(List.of(routed), 3));
    // 25 records of 240 over 3 shards x 2 slices: every shard's checkpoints saw some of them.
    assertThat(atOnce).isNotEmpty().noneMatch(CheckpointScan.Tainted::unverifiable);
    assertThat(atOnce.stream().map(CheckpointScan.Tainted::shard).distinct()).hasSize(3);
    assertThat(inRounds).isEqualTo(atOnce);
    List<String> setsAtOnce = scan.taintedIdSets(DeletedIds.of(List.of(routed), Long.MAX_VALUE));
    assertThat(setsAtOnce).isNotEmpty();
    assertThat(scan.taintedIdSets(DeletedIds.of(List.of(routed), 3))).isEqualTo(setsAtOnce);
  }

  @Test
  void withoutDeletionsNothingIsTainted() {
    Dataset<Row> none = routed.filter(col(ForgetJob.SPLIT).isNull());
    DeletedIds deleted = DeletedIds.of(List.of(none), 3);
    assertThat(deleted.count()).isZero();
    Set<String> seen = new HashSet<>();
    deleted.forEachRound(seen::addAll);
    assertThat(seen).isEmpty();
    assertThat(new CheckpointScan(store).tainted(deleted)).isEmpty();
  }
}
