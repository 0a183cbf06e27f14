package io.lethe.jobs.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.train.TrainJob;
import io.lethe.models.Aggregation;
import io.lethe.models.Scoring;
import io.lethe.prep.PrepareJob;
import io.lethe.store.LetheStore;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictJobTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static LetheSettings settings;
  static LetheStore store;

  @BeforeAll
  static void trained() {
    spark = Fixtures.spark();
    Path train = Fixtures.blobsCsv(dir, "train", 360, 7);
    Path test = Fixtures.blobsCsv(dir, "test", 90, 8);
    settings = Fixtures.blobSettings(dir.resolve("store"), train, test);
    store = Fixtures.open(spark, settings);
    PrepareJob.run(spark, store, settings.data(), "prepare");
    TrainJob.run(spark, store, settings, false);
  }

  private static Dataset<Row> testSplit() {
    return PrepareJob.loadTestSplit(spark, store, store.latestDataVersion().getAsInt());
  }

  @Test
  void evaluationReportsEnsembleAndShardAccuracyOnTheTestSplit() {
    Evaluation e = EvaluateJob.run(spark, store, settings, true);
    assertThat(e.testRows()).isEqualTo(90);
    assertThat(e.ensembleAccuracy()).containsOnlyKeys("mean-softmax", "majority-vote", "weighted");
    assertThat(e.ensembleAccuracy().get("mean-softmax")).isGreaterThan(0.9);
    assertThat(e.shards()).extracting(Evaluation.ShardAccuracy::shard).containsExactly(0, 1, 2);
    assertThat(e.shards()).allSatisfy(s -> assertThat(s.accuracy()).isGreaterThan(0.8));
    assertThat(e.baseline().trainRows()).isEqualTo(360);
    assertThat(e.baseline().accuracy()).isGreaterThan(0.9);
  }

  @Test
  void predictionsAreTheArgmaxOfTheAggregatedProbabilitiesForEveryRow() {
    for (Aggregation aggregation : Aggregation.values()) {
      List<Row> rows = PredictJob.score(spark, store, settings, testSplit(), aggregation, true).collectAsList();
      assertThat(rows).hasSize(90);
      for (Row row : rows) {
        List<Float> p = row.getList(row.fieldIndex("probabilities"));
        float[] probabilities = new float[p.size()];
        for (int c = 0; c < probabilities.length; c++) {
          probabilities[c] = p.get(c);
        }
        assertThat(probabilities).hasSize(3);
        if (aggregation != Aggregation.MAJORITY_VOTE) {
          assertThat(row.getInt(row.fieldIndex("prediction"))).isEqualTo(Scoring.argmax(probabilities));
        }
      }
    }
  }

  @Test
  void modelsAreLoadedOncePerExecutorAndPredictionsAreWrittenAtomically() {
    Path out = dir.resolve("predictions");
    PredictJob.Outcome first = PredictJob.run(spark, store, settings, testSplit(), out.toString(), false);
    int loaded = ModelCache.loadedCheckpoints();
    PredictJob.Outcome second = PredictJob.run(spark, store, settings, testSplit(), out.toString(), true);
    assertThat(ModelCache.loadedCheckpoints()).isEqualTo(loaded);
    assertThat(first.rows()).isEqualTo(90);
    assertThat(second.rows()).isEqualTo(90);
    assertThat(spark.read().parquet(out.toString()).columns()).containsExactly("record_id", "label", "prediction");
    assertThat(dir.toFile().list()).noneMatch(name -> name.contains("lethe-tmp"));

    assertThatThrownBy(() -> PredictJob.run(spark, store, settings, testSplit(), out.toString(), false))
        .hasMessage("Output " + out + " already exists; choose another path or pass --overwrite.");
  }
}
