package io.lethe.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.testing.PythonEnv;
import io.lethe.jobs.testing.Scripts;
import io.lethe.store.GenerationManifest;
import io.lethe.store.Json;
import io.lethe.store.ShardLineage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The lethe CLI submitted with submit/lethe-submit gives the same results however Spark runs it: with the
 * spark-submit of a real Spark distribution (pyspark's, from submit/ensure-python-env, as SPARK_HOME) to a real
 * standalone cluster (submit/cluster/start-standalone: a Master and two one-core Workers on 127.0.0.1, each shard
 * trained in an executor JVM of its own) and in local mode, and with the Spark jars from Maven (no SPARK_HOME) in
 * local mode: bit-identical checkpoints and identical predictions. And a shard whose executor is killed
 * mid-training is retried by Spark to the very same checkpoints.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
  private static final Path ROOT = Path.of(System.getProperty("it.project.root")).toAbsolutePath().normalize();
  private static final Path WORK = ROOT.resolve("spark-jobs/target/it-cluster");
  private static final Path LOGS = WORK.resolve("logs");
  private static final Path CLUSTER_STORE = WORK.resolve("store-cluster");
  private static final Path DISTRIBUTION_LOCAL_STORE = WORK.resolve("store-distribution-local");
  private static final Path MAVEN_LOCAL_STORE = WORK.resolve("store-maven-local");
  // Generous: on a loaded 2-core machine one step of the pipeline has taken over 4 minutes.
  private static final Duration STEP_TIMEOUT = Duration.ofMinutes(10);
  private static final int TEST_ROWS = 90;
  private static final int SHARDS = 2;
  private static final int SLICES = 3;
  /** What ShardTrainer logs in an executor once a shard's first slice checkpoint is written. */
  private static final Pattern FIRST_SLICE_TRAINED = Pattern.compile("shard \\d+ slice 0/" + SLICES + " trained");

  private static StandaloneCluster cluster;
  /** SPARK_HOME of the Spark distribution: pyspark's, with bin/spark-submit and jars/ of Spark 4.1.3. */
  private static Map<String, String> distribution;
  /** No SPARK_HOME (even if the build's environment has one): lethe-submit runs Spark on the jars from Maven. */
  private static final Map<String, String> MAVEN_SPARK = java.util.Collections.singletonMap("SPARK_HOME", null);
  private static Path config;
  private static SparkSession spark;
  /** The generation served after the cluster pipeline, whose checkpoints the executor-kill retraining reproduces. */
  private static Served clusterServed;

  /** A store's newest generation: its number and each shard's checkpoint chain (sha256 of every slice). */
  record Served(long number, Map<Integer, List<String>> chains) {}

  @BeforeAll
  static void startCluster() throws IOException {
    StandaloneCluster.stop(ROOT, WORK.resolve("standalone"), LOGS);
    deleteRecursively(WORK);
    Files.createDirectories(WORK);
    distribution = Map.of("SPARK_HOME", PythonEnv.installed().sparkHome().toString());
    config = writeConfig(Fixtures.blobsCsv(WORK, "train", 600, 7), Fixtures.blobsCsv(WORK, "test", TEST_ROWS, 8));
    cluster = StandaloneCluster.start(ROOT, WORK.resolve("standalone"), LOGS);
  }

  @AfterAll
  static void stopCluster() {
    try {
      if (spark != null) {
        spark.stop();
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  /**
   * One pipeline, as lethe command lines run in order against {@code store}. Both the cluster and the local run
   * execute exactly these steps.
   */
  private static List<List<String>> pipeline(Path store) {
    return List.of(
        lethe("prepare", store),
        lethe("train", store),
        // Both pipelines forget before predicting: the first test compares the generations published after the
        // forget, and the second checks that retraining from scratch (train --force) reproduces them exactly.
        lethe("forget", store, "--subject", "s-train-7", "--reason", "cluster IT"),
        lethe("predict", store, "--output", store.resolve("predictions").toString(), "--probabilities"));
  }

  private static List<String> clusterOptions() {
    return List.of("--master", cluster.masterUrl(), "--conf", "spark.executor.cores=1", "--conf",
        "spark.cores.max=" + StandaloneCluster.WORKERS, "--conf", "spark.executor.memory=1g", "--conf",
        "spark.ui.enabled=false");
  }

  private static List<String> localOptions() {
    return List.of("--master", "local[2]", "--conf", "spark.ui.enabled=false");
  }

  @Test
  @Order(1)
  void aSparkDistributionOnTheClusterAndLocallyServesWhatTheMavenJarsServe() {
    runPipeline("cluster", distribution, clusterOptions(), CLUSTER_STORE);
    runPipeline("distribution-local", distribution, localOptions(), DISTRIBUTION_LOCAL_STORE);
    runPipeline("maven-local", MAVEN_SPARK, localOptions(), MAVEN_LOCAL_STORE);

    Served served = served(CLUSTER_STORE);
    assertThat(served.chains()).hasSize(SHARDS).allSatisfy((shard, chain) -> assertThat(chain).hasSize(SLICES));
    assertThat(served(DISTRIBUTION_LOCAL_STORE)).isEqualTo(served);
    assertThat(served(MAVEN_LOCAL_STORE)).isEqualTo(served);

    List<Row> clusterPredictions = predictions(CLUSTER_STORE);
    assertThat(clusterPredictions).hasSize(TEST_ROWS);
    assertThat(predictions(DISTRIBUTION_LOCAL_STORE)).isEqualTo(clusterPredictions);
    assertThat(predictions(MAVEN_LOCAL_STORE)).isEqualTo(clusterPredictions);
    clusterServed = served;
  }

  @Test
  @Order(2)
  void aShardWhoseExecutorIsKilledMidTrainingIsRetrainedToTheSameCheckpoints() throws Exception {
    assumeTrue(clusterServed != null, "needs the cluster pipeline of the previous test");
    Set<String> earlierApps = cluster.applications();
    Scripts.Running train = submit(MAVEN_SPARK, clusterOptions(), lethe("train", CLUSTER_STORE, "--force"),
        "cluster-train-kill");
    try {
      StandaloneCluster.ExecutorLog midShard = awaitFirstSliceTrained(train, earlierApps);
      ProcessHandle executor = cluster.executorProcess(midShard).orElseThrow(() -> new AssertionError(
          "no live executor JVM for " + midShard + " among the children of worker-" + midShard.worker()));
      executor.destroyForcibly();
      executor.onExit().get(30, TimeUnit.SECONDS);

      Scripts.Result result = train.await(STEP_TIMEOUT);
      assertThat(result.exitCode()).as(result::describe).isZero();
      assertThat(result.stdout()).contains("Published generation " + (clusterServed.number() + 1));
      assertThat(Files.readString(LOGS.resolve("cluster-train-kill.log"))).as("the driver saw the executor's task"
          + " fail (Spark's warnings go to the log file, not the console)")
          .contains("ExecutorLostFailure (executor " + midShard.executorId() + " exited");
      Served retrained = served(CLUSTER_STORE);
      assertThat(retrained.number()).isEqualTo(clusterServed.number() + 1);
      assertThat(retrained.chains()).isEqualTo(clusterServed.chains());
    } finally {
      train.killIfAlive();
    }
  }

  private static void runPipeline(String name, Map<String, String> spark, List<String> sparkOptions, Path store) {
    int step = 0;
    for (List<String> command : pipeline(store)) {
      Scripts.Result result = submit(spark, sparkOptions, command, name + "-" + (++step) + "-" + command.get(0))
          .await(STEP_TIMEOUT);
      assertThat(result.exitCode()).as(result::describe).isZero();
    }
  }

  /** {@code lethe COMMAND --store STORE --config CONFIG OPTIONS...}. */
  private static List<String> lethe(String command, Path store, String... options) {
    List<String> args = new ArrayList<>(List.of(command, "--store", store.toString(), "--config", config.toString()));
    args.addAll(List.of(options));
    return args;
  }

  /** Runs lethe-submit with {@code spark} (SPARK_HOME or nothing) in its environment. */
  private static Scripts.Running submit(Map<String, String> spark, List<String> sparkOptions, List<String> lethe,
      String name) {
    List<String> args = new ArrayList<>(sparkOptions);
    args.add("--");
    args.addAll(lethe);
    Map<String, String> env = new java.util.HashMap<>(spark);
    env.put("LETHE_JAR", System.getProperty("it.shaded.jar"));
    env.put("LETHE_LOG_FILE", LOGS.resolve(name + ".log").toString());
    return Scripts.start(ROOT, "submit/lethe-submit", args, env, LOGS, name);
  }

  /**
   * Waits until an executor of the new application has written a shard's first slice checkpoint: the shard is then
   * mid-training, with its later slices still to come.
   */
  private static StandaloneCluster.ExecutorLog awaitFirstSliceTrained(Scripts.Running train, Set<String> earlierApps)
      throws InterruptedException {
    long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!train.process().isAlive()) {
        throw new AssertionError("train --force ended before any shard was mid-training: "
            + train.await(Duration.ZERO).describe());
      }
      Optional<StandaloneCluster.ExecutorLog> found = cluster.executorLogs(earlierApps).stream()
          .filter(log -> FIRST_SLICE_TRAINED.matcher(readIfExists(log.file())).find())
          .findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no executor logged '" + FIRST_SLICE_TRAINED + "' within " + STEP_TIMEOUT);
  }

  /** The newest generation manifest of {@code store} ({@code models/gen/*.json}). */
  private static Served served(Path store) {
    try (Stream<Path> files = Files.list(store.resolve("models/gen"))) {
      Path newest = files.filter(f -> f.getFileName().toString().endsWith(".json"))
          .max(Comparator.comparing(f -> f.getFileName().toString()))
          .orElseThrow(() -> new AssertionError("no generation manifest in " + store));
      // Read through the product's own type: it knows every store format (one chain, or slice orders).
      GenerationManifest generation = Json.read(Files.readString(newest), GenerationManifest.class,
          newest.toString());
      Map<Integer, List<String>> chains = new TreeMap<>();
      for (ShardLineage shard : generation.shards()) {
        chains.put(shard.shard(), shard.checkpoints());
      }
      return new Served(generation.number(), chains);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Row> predictions(Path store) {
    if (spark == null) {
      spark = Fixtures.spark();
    }
    return spark.read().parquet(store.resolve("predictions").toString()).orderBy("record_id").collectAsList();
  }

  private static Path writeConfig(Path train, Path test) throws IOException {
    List<String> features = new ArrayList<>();
    for (int f = 0; f < Fixtures.FEATURES; f++) {
      features.add("f" + f);
    }
    // Long enough training (a few seconds per shard on an idle core) that an executor can be killed mid-shard.
    String hocon = String.join("\n",
        "lethe.data {",
        "  source = csv",
        "  inputs = [\"" + train + "\"]",
        "  test-inputs = [\"" + test + "\"]",
        "  id-column = id",
        "  subject-column = subject",
        "  feature-columns = [" + String.join(", ", features) + "]",
        "  shards = " + SHARDS,
        "  slices = " + SLICES,
        "}",
        "lethe.model {",
        "  architecture = tabular-mlp",
        "  hidden-layers = [32]",
        "  batch-size = 32",
        "  learning-rate = 0.01",
        "  epochs = 150",
        "}",
        "");
    Path file = WORK.resolve("lethe-it.conf");
    Files.writeString(file, hocon);
    return file;
  }

  private static String readIfExists(Path file) {
    try {
      return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
