package io.lethe.jobs.airflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lethe.jobs.api.Lethe;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.testing.PythonEnv;
import io.lethe.jobs.testing.RepoFiles;
import io.lethe.jobs.testing.Scripts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
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
 * The DAGs of submit/airflow run in a real Airflow 3 (the one submit/ensure-python-env installs) with
 * {@code airflow dags test}: a throw-away Airflow home on SQLite, the Spark connection pointing at local[2] with
 * the spark-submit of pyspark's Spark distribution, the Airflow Variables pointing at a small store. Each test
 * checks the store the DAG worked on, not only Airflow's verdict. The DAG folder holds the shipped lethe_dag.py and
 * lethe_pipeline.json, with one change: no retries, so that a failing step fails the run at once instead of after
 * the pipeline's 15-minute retry delay.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AirflowDagIT {
  private static final Path ROOT = Path.of(System.getProperty("it.project.root")).toAbsolutePath().normalize();
  private static final Path WORK = ROOT.resolve("spark-jobs/target/it-airflow");
  private static final Path LOGS = WORK.resolve("logs");
  private static final Path STORE = WORK.resolve("store");
  private static final Path INBOX = WORK.resolve("inbox");
  private static final Path PREDICTIONS = WORK.resolve("predictions");
  // Generous: on the loaded 2-core machine one `dags test lethe_prepare` has taken over 8 minutes.
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(20);
  private static final int TRAIN_ROWS = 150;
  private static final int TEST_ROWS = 45;

  private static PythonEnv python;
  private static Path config;
  private static Map<String, String> airflowEnv;
  private static SparkSession spark;

  @BeforeAll
  static void createAirflowHome() throws IOException {
    python = PythonEnv.installed();
    deleteRecursively(WORK);
    Files.createDirectories(INBOX);
    config = writeConfig(Fixtures.blobsCsv(WORK, "train", TRAIN_ROWS, 7), Fixtures.blobsCsv(WORK, "test", TEST_ROWS,
        8));
    Path dags = dagFolder("dags", pipeline -> { });
    airflowEnv = new HashMap<>();
    airflowEnv.put("AIRFLOW_HOME", WORK.resolve("airflow-home").toString());
    airflowEnv.put("AIRFLOW__CORE__DAGS_FOLDER", dags.toString());
    airflowEnv.put("AIRFLOW__CORE__LOAD_EXAMPLES", "False");
    airflowEnv.put("PYTHONDONTWRITEBYTECODE", "1");
    // The provider runs the connection's spark-binary from PATH: pyspark's bin/spark-submit comes first.
    airflowEnv.put("PATH", python.path());
    // Spark's operator logging as submit/lethe configures it (pyspark's distribution has no conf/ of its own).
    airflowEnv.put("SPARK_CONF_DIR", ROOT.resolve("conf").toString());
    airflowEnv.put("LETHE_LOG_FILE", LOGS.resolve("spark.log").toString());
    airflowEnv.put("AIRFLOW_CONN_SPARK_DEFAULT", "{\"conn_type\": \"spark\", \"host\": \"local[2]\"}");
    airflowEnv.put("AIRFLOW_VAR_LETHE_JAR", System.getProperty("it.shaded.jar"));
    airflowEnv.put("AIRFLOW_VAR_LETHE_STORE", STORE.toString());
    airflowEnv.put("AIRFLOW_VAR_LETHE_CONFIG", config.toString());
    airflowEnv.put("AIRFLOW_VAR_LETHE_INBOX", INBOX.toString());
    airflowEnv.put("AIRFLOW_VAR_LETHE_PREDICTIONS", PREDICTIONS.toString());
    Scripts.Result migrated = airflow(List.of("db", "migrate"), airflowEnv, "db-migrate");
    assertThat(migrated.exitCode()).as(migrated::describe).isZero();
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  @Order(1)
  void theDagFileImportsIntoADagBagAsOneSparkSubmitTaskPerStep() throws IOException {
    Path check = WORK.resolve("dagbag_check.py");
    Files.writeString(check, String.join("\n",
        "import json, sys, warnings",
        "warnings.simplefilter('always')",
        "with warnings.catch_warnings(record=True) as caught:",
        "    from airflow.dag_processing.dagbag import DagBag",
        "    bag = DagBag(dag_folder=sys.argv[1])",
        "def task(t):",
        "    return {'class': type(t).__name__, 'conn_id': t._conn_id, 'java_class': t._java_class,",
        "            'application': t.application, 'args': list(t.application_args), 'conf': t.conf,",
        "            'pool': t.pool, 'retries': t.retries, 'upstream': sorted(t.upstream_task_ids)}",
        "print(json.dumps({'errors': {str(k): str(v) for k, v in bag.import_errors.items()},",
        "    'warnings': [f'{w.category.__name__}: {w.message}' for w in caught",
        "                 if issubclass(w.category, DeprecationWarning) or 'Deprecat' in w.category.__name__],",
        "    'dags': {d: {'catchup': bag.dags[d].catchup,",
        "                 'tasks': {t.task_id: task(t) for t in bag.dags[d].tasks}} for d in bag.dag_ids}}))",
        ""));
    Map<String, String> env = new HashMap<>(airflowEnv);
    env.put("AIRFLOW_VAR_LETHE_POOL", "lethe_writers");
    env.put("AIRFLOW_VAR_LETHE_SPARK_CONN_ID", "spark_cluster");
    Scripts.Result result = Scripts.run(ROOT, python.bin("python").toString(),
        List.of(check.toString(), RepoFiles.path("submit/airflow").toString()), env, LOGS, "dagbag", RUN_TIMEOUT);
    assertThat(result.exitCode()).as(result::describe).isZero();
    JsonNode report = new ObjectMapper().readTree(result.stdout().lines().reduce((a, b) -> b).orElse("{}"));
    assertThat(report.get("errors").size()).as(result::describe).isZero();
    assertThat(report.get("warnings").size()).as(result::describe).isZero();

    JsonNode pipeline = new ObjectMapper().readTree(RepoFiles.path("submit/airflow/lethe_pipeline.json").toFile());
    List<String> pipelineDags = new ArrayList<>();
    pipeline.get("dags").forEach(d -> pipelineDags.add(d.get("id").asText()));
    assertThat(report.get("dags").fieldNames()).toIterable().containsExactlyInAnyOrderElementsOf(pipelineDags);
    for (JsonNode dag : pipeline.get("dags")) {
      JsonNode built = report.get("dags").get(dag.get("id").asText());
      List<String> steps = new ArrayList<>();
      dag.get("steps").forEach(step -> steps.add(step.asText()));
      assertThat(built.get("tasks").fieldNames()).toIterable().as(dag.get("id").asText())
          .containsExactlyInAnyOrderElementsOf(steps);
      assertThat(built.get("catchup").asBoolean()).isFalse();
      for (int i = 0; i < steps.size(); i++) {
        JsonNode task = built.get("tasks").get(steps.get(i));
        assertThat(task.get("class").asText()).isEqualTo("SparkSubmitOperator");
        assertThat(task.get("conn_id").asText()).isEqualTo("spark_cluster");
        assertThat(task.get("java_class").asText()).isEqualTo("io.lethe.jobs.cli.LetheCli");
        assertThat(task.get("retries").asInt()).isEqualTo(pipeline.get("retries").asInt());
        assertThat(task.at("/conf/spark.executorEnv.OMP_NUM_THREADS").asText()).isEqualTo("1");
        assertThat(task.at("/conf/spark.executorEnv.OPENBLAS_CORETYPE").asText()).isEqualTo("Haswell");
        assertThat(task.get("upstream")).as(steps.get(i) + " runs after the step before it")
            .hasSize(i == 0 ? 0 : 1);
      }
    }
    JsonNode forget = report.at("/dags/lethe_forget/tasks/forget");
    assertThat(forget.get("pool").asText()).isEqualTo("lethe_writers");
    assertThat(forget.get("application").asText()).isEqualTo(
        "{{ var.value.get(\"lethe_jar\", \"/opt/lethe/lethe-spark-jobs-0.1.0-SNAPSHOT-shaded.jar\") }}");
    assertThat(forget.get("args").get(0).asText()).isEqualTo("forget");
    List<String> args = new ArrayList<>();
    forget.get("args").forEach(a -> args.add(a.asText()));
    assertThat(args.get(args.indexOf("--inbox") + 1))
        .isEqualTo("{{ var.value.get(\"lethe_inbox\", \"hdfs:///lethe/forget-inbox\") }}");
    assertThat(report.at("/dags/lethe_forget/tasks/verify/pool").asText()).as("verify does not write the store")
        .isEqualTo("default_pool");
  }

  @Test
  @Order(2)
  void theTrainDagTrainsAndPredictsOnThePreparedStore() {
    runDag("lethe_prepare", "2025-01-01");
    assertThat(STORE.resolve("data/v000001/_manifest.json")).exists();

    runDag("lethe_train", "2025-01-02");
    assertThat(generations()).containsExactly("0000000001.json");
    // One folder named by the run's logical date ({{ ds_nodash }}).
    assertThat(list(PREDICTIONS)).singleElement().asString().matches("\\d{8}");
    Path output = PREDICTIONS.resolve(list(PREDICTIONS).get(0));
    List<Row> predictions = spark().read().parquet(output.toString()).collectAsList();
    assertThat(predictions).hasSize(TEST_ROWS);
    long correct = predictions.stream().filter(r -> r.getAs("prediction").equals(r.getAs("label"))).count();
    assertThat(correct).as("correct predictions on well-separated classes").isGreaterThan(TEST_ROWS * 8L / 10);
  }

  @Test
  @Order(3)
  void theForgetDagCompletesTheRequestsInTheInboxThenVerifies() throws IOException {
    Files.writeString(INBOX.resolve("erasures-1.csv"), "subject_id,reason\ns-train-4,GDPR Art. 17\ns-train-11,"
        + "GDPR Art. 17\n");
    Scripts.Result run = runDag("lethe_forget", "2025-01-03");

    assertThat(INBOX.resolve("processed/erasures-1.csv")).exists();
    assertThat(INBOX.resolve("erasures-1.csv")).doesNotExist();
    Map<String, String> statuses = requestStatuses();
    assertThat(statuses).containsExactlyInAnyOrderEntriesOf(Map.of("s-train-4", "completed", "s-train-11",
        "completed"));
    // Serving clean, then the retrained shards: two generations after the trained one.
    assertThat(generations()).hasSize(3);
    assertThat(run.stdout() + run.stderr()).as("the verify step ran").contains("verify");
    assertThat(Lethe.openWithConfig(spark(), STORE.toString(), config.toString()).verify(false).ok()).isTrue();
  }

  @Test
  @Order(4)
  void aSecondForgetRunWithAnEmptyInboxChangesNothing() {
    List<String> generations = generations();
    Map<String, String> statuses = requestStatuses();
    runDag("lethe_forget", "2025-01-04");
    assertThat(generations()).isEqualTo(generations);
    assertThat(requestStatuses()).isEqualTo(statuses);
    assertThat(batches()).hasSize(1);
  }

  @Test
  @Order(5)
  void aStepWithAnArgumentLetheRejectsFailsTheDagRun() throws IOException {
    Path broken = dagFolder("dags-broken", pipeline -> {
      for (var step : pipeline.withArray("steps")) {
        if (step.get("id").asText().equals("forget")) {
          ArrayNode args = (ArrayNode) step.get("args");
          for (int i = 0; i < args.size(); i++) {
            if (args.get(i).asText().equals("--inbox")) {
              args.set(i, "--inboxx");
            }
          }
        }
      }
    });
    Map<String, String> env = new HashMap<>(airflowEnv);
    env.put("AIRFLOW__CORE__DAGS_FOLDER", broken.toString());
    Files.writeString(INBOX.resolve("erasures-2.csv"), "subject_id\ns-train-20\n");
    List<String> generations = generations();

    Scripts.Result run = airflow(List.of("dags", "test", "lethe_forget", "2025-01-05"), env, "dags-test-broken");
    assertThat(run.exitCode()).as(run::describe).isNotZero();
    assertThat(run.stdout() + run.stderr()).contains("DagRun failed").contains("--inboxx");
    assertThat(generations()).isEqualTo(generations);
    assertThat(INBOX.resolve("erasures-2.csv")).as("the request stays in the inbox for the next run").exists();
  }

  /** Runs {@code airflow dags test DAG DATE} and requires the run to succeed. */
  private static Scripts.Result runDag(String dagId, String logicalDate) {
    Scripts.Result run = airflow(List.of("dags", "test", dagId, logicalDate), airflowEnv, "dags-test-" + dagId + "-"
        + logicalDate);
    assertThat(run.exitCode()).as(run::describe).isZero();
    return run;
  }

  private static Scripts.Result airflow(List<String> args, Map<String, String> env, String name) {
    return Scripts.run(ROOT, python.bin("airflow").toString(), args, env, LOGS, name, RUN_TIMEOUT);
  }

  /** A DAG folder with the shipped DAG file and its pipeline, without retries and changed by {@code edit}. */
  private static Path dagFolder(String name, java.util.function.Consumer<ObjectNode> edit) throws IOException {
    Path folder = Files.createDirectories(WORK.resolve(name));
    Files.copy(RepoFiles.path("submit/airflow/lethe_dag.py"), folder.resolve("lethe_dag.py"));
    ObjectMapper json = new ObjectMapper();
    ObjectNode pipeline = (ObjectNode) json.readTree(RepoFiles.path("submit/airflow/lethe_pipeline.json").toFile());
    pipeline.put("retries", 0);
    edit.accept(pipeline);
    json.writerWithDefaultPrettyPrinter().writeValue(folder.resolve("lethe_pipeline.json").toFile(), pipeline);
    return folder;
  }

  private static SparkSession spark() {
    if (spark == null) {
      spark = Fixtures.spark();
    }
    return spark;
  }

  private static Map<String, String> requestStatuses() {
    return Lethe.openWithConfig(spark(), STORE.toString(), config.toString()).requests().collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<String>getAs("id"), r -> r.<String>getAs("status")));
  }

  private static List<String> generations() {
    return list(STORE.resolve("models/gen"));
  }

  private static List<String> batches() {
    return list(STORE.resolve("ledger/batches"));
  }

  private static List<String> list(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Path writeConfig(Path train, Path test) throws IOException {
    List<String> features = new ArrayList<>();
    for (int f = 0; f < Fixtures.FEATURES; f++) {
      features.add("f" + f);
    }
    String hocon = String.join("\n",
        "lethe.data {",
        "  source = csv",
        "  inputs = [\"" + train + "\"]",
        "  test-inputs = [\"" + test + "\"]",
        "  id-column = id",
        "  subject-column = subject",
        "  feature-columns = [" + String.join(", ", features) + "]",
        "  shards = 2",
        "  slices = 2",
        "}",
        "lethe.model {",
        "  architecture = tabular-mlp",
        "  hidden-layers = [16]",
        "  batch-size = 16",
        "  learning-rate = 0.01",
        "  epochs = 10",
        "}",
        "");
    Path file = WORK.resolve("lethe-it.conf");
    Files.writeString(file, hocon);
    return file;
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
