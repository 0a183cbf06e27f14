package io.lethe.jobs.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.ForgetJob;
import io.lethe.jobs.forget.Ledger;
import io.lethe.jobs.forget.RequestReader;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.testing.LetheProcess;
import io.lethe.jobs.train.TrainJob;
import io.lethe.prep.PrepareJob;
import io.lethe.store.FailPoints;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A {@code lethe predict} process runs while a forget (in this test's JVM, a second process) serves clean models and
 * purges the ones that saw the deleted records. The predict finishes on the generation it started with unless a
 * checkpoint of that generation is purged before its output is in place; then it writes nothing and stops with one
 * line saying why.
 */
@Tag("chaos")
class PredictDuringForgetTest {
  private static final Duration STEP = Duration.ofMinutes(4);
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"predict.before-scoring", "predict.before-commit"})
  void aPredictWhoseModelsArePurgedWhileItRunsWritesNothingAndSaysWhy(String moment) throws IOException {
    Setup setup = trainedStore();
    Path output = dir.resolve("predictions");
    Path pauses = dir.resolve("pauses");
    LetheProcess.Running predict = LetheProcess.start(dir.resolve("logs"), "predict", List.of(
        "-D" + FailPoints.PAUSE_PROPERTY + "=" + moment, "-D" + FailPoints.PAUSE_DIR_PROPERTY + "=" + pauses),
        "predict", "--store", setup.root().toString(), "--config", setup.config().toString(), "--output",
        output.toString());
    predict.awaitPause(pauses, moment, STEP);

    // The subject s-train-0 sits in one shard; forgetting it replaces generation 1 and purges that shard's models.
    forget(setup, "s-train-0");
    GenerationManifest served = setup.store().readServedGeneration();
    assertThat(served.number()).isEqualTo(3);

    predict.release(pauses, moment);
    LetheProcess.Result result = predict.await(STEP);
    assertThat(result.exitCode()).as(result::describe).isEqualTo(2);
    List<String> own = result.stderr().lines().filter(l -> l.startsWith("lethe predict")).toList();
    assertThat(own).as(result::describe).singleElement().asString()
        .startsWith("lethe predict: Generation 1, which this predict started with, was replaced by generation 3"
            + " while it ran, and a forget purged its checkpoint of shard ")
        .endsWith("no predictions were written. Run predict again: it will use generation 3.");
    assertThat(result.stderr()).as("no stack trace of Lethe's own").doesNotContain("at io.lethe.jobs.cli");
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString())).as("neither output nor staged output")
          .noneMatch(name -> name.contains("predictions"));
    }
  }

  @Test
  void aPredictWhoseModelsAreKeptFinishesOnItsGenerationWhileAForgetRuns() throws IOException {
    Setup setup = trainedStore();
    Path output = dir.resolve("predictions");
    Path pauses = dir.resolve("pauses");
    String moment = "predict.before-commit";
    LetheProcess.Running predict = LetheProcess.start(dir.resolve("logs"), "predict", List.of(
        "-D" + FailPoints.PAUSE_PROPERTY + "=" + moment, "-D" + FailPoints.PAUSE_DIR_PROPERTY + "=" + pauses),
        "predict", "--store", setup.root().toString(), "--config", setup.config().toString(), "--output",
        output.toString());
    predict.awaitPause(pauses, moment, STEP);
    // An id that is nowhere: the batch runs every step but replaces and purges nothing.
    forget(setup, "nobody");
    predict.release(pauses, moment);
    LetheProcess.Result result = predict.await(STEP);
    assertThat(result.exitCode()).as(result::describe).isZero();
    assertThat(result.lethesStdout()).as(result::describe).startsWith("Wrote 30 predictions (generation 1, ");
  }

  private record Setup(Path root, Path config, LetheStore store, LetheSettings settings) {}

  private Setup trainedStore() throws IOException {
    SparkSession spark = Fixtures.spark();
    Path train = Fixtures.blobsCsv(dir, "train", 120, 7);
    Path test = Fixtures.blobsCsv(dir, "test", 30, 8);
    Path root = dir.resolve("store");
    List<String> lines = new ArrayList<>(List.of(
        "lethe.data.source = csv",
        "lethe.data.inputs = [\"" + train + "\"]",
        "lethe.data.test-inputs = [\"" + test + "\"]",
        "lethe.data.id-column = id",
        "lethe.data.subject-column = subject",
        "lethe.data.shards = 2",
        "lethe.data.slices = 2",
        "lethe.model.architecture = tabular-mlp",
        "lethe.model.hidden-layers = [8]",
        "lethe.model.epochs = 2",
        "lethe.model.batch-size = 16",
        "lethe.spark.master = \"local[2]\""));
    List<String> features = new ArrayList<>();
    for (int f = 0; f < Fixtures.FEATURES; f++) {
      features.add("\"f" + f + "\"");
    }
    lines.add("lethe.data.feature-columns = [" + String.join(",", features) + "]");
    Path config = dir.resolve("predict.conf");
    Files.writeString(config, String.join("\n", lines) + "\n");
    LetheSettings settings = Fixtures.blobSettings(root, train, test, "lethe.data.shards=2",
        "lethe.model.hidden-layers=[8]", "lethe.model.epochs=2");
    LetheStore store = Fixtures.open(spark, settings);
    PrepareJob.run(spark, store, settings.data(), "prepare");
    TrainJob.run(spark, store, settings, false);
    return new Setup(root, config, store, settings);
  }

  private static void forget(Setup setup, String subject) {
    SparkSession spark = Fixtures.spark();
    new Ledger(spark, setup.store()).acknowledge(RequestReader.fromIds(spark, List.of(), List.of(subject),
        "predict test"));
    new ForgetJob(spark, setup.store(), setup.settings()).processPending("lethe forget (test)");
  }
}
