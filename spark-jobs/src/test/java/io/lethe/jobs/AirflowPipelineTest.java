package io.lethe.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lethe.jobs.cli.LetheCli;
import io.lethe.jobs.testing.RepoFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The Airflow pipeline (submit/airflow) against the CLI of this jar, and the DAG file's syntax. AirflowDagIT runs the
 * DAGs in a real Airflow.
 */
class AirflowPipelineTest {
  static final String PIPELINE = "submit/airflow/lethe_pipeline.json";
  static final String DAG_FILE = "submit/airflow/lethe_dag.py";
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(\\w+)}");

  @TempDir Path tmp;

  /** One step of the pipeline, its placeholders filled with their defaults as a deployment without Variables would. */
  record Step(String id, String command, List<String> args) {
    @Override
    public String toString() {
      return id;
    }
  }

  static JsonNode pipeline() throws IOException {
    return new ObjectMapper().readTree(Files.readString(RepoFiles.path(PIPELINE)));
  }

  static Map<String, String> defaults(JsonNode pipeline) {
    Map<String, String> defaults = new HashMap<>();
    pipeline.get("variables").forEach(v -> defaults.put(v.get("name").asText(), v.get("default").asText()));
    return defaults;
  }

  static String fill(String text, Map<String, String> defaults, String stepId) {
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder filled = new StringBuilder();
    while (m.find()) {
      String value = defaults.get(m.group(1));
      if (value == null) {
        fail("Step '" + stepId + "' of " + PIPELINE + " uses ${" + m.group(1) + "}, which its variables do not"
            + " define");
      }
      m.appendReplacement(filled, Matcher.quoteReplacement(value));
    }
    return m.appendTail(filled).toString();
  }

  static Stream<Step> steps() throws IOException {
    JsonNode pipeline = pipeline();
    Map<String, String> defaults = defaults(pipeline);
    List<Step> steps = new ArrayList<>();
    for (JsonNode step : pipeline.get("steps")) {
      String id = step.get("id").asText();
      List<String> args = new ArrayList<>();
      step.get("args").forEach(a -> args.add(fill(a.asText(), defaults, id)));
      steps.add(new Step(id, step.get("command").asText(), args));
    }
    return steps.stream();
  }

  @ParameterizedTest(name = "step {0}")
  @MethodSource("steps")
  void everyStepParsesWithTheCliOfThisJar(Step step) {
    assertParses(step);
  }

  /** Fails, naming the step and what lethe rejected, unless the jar's CLI parser accepts the step's command line. */
  static void assertParses(Step step) {
    CommandLine cli = new CommandLine(new LetheCli());
    if (!cli.getSubcommands().containsKey(step.command())) {
      fail("Step '" + step.id() + "' of " + PIPELINE + " runs `lethe " + step.command() + "`, but this jar's lethe"
          + " has no command '" + step.command() + "' (it has " + cli.getSubcommands().keySet() + ")");
    }
    List<String> line = new ArrayList<>(List.of(step.command()));
    line.addAll(step.args());
    try {
      CommandLine.ParseResult parsed = cli.parseArgs(line.toArray(String[]::new));
      assertThat(parsed.subcommand().commandSpec().name()).isEqualTo(step.command());
      assertThat(parsed.subcommand().unmatched()).isEmpty();
    } catch (CommandLine.ParameterException e) {
      fail("Step '" + step.id() + "' of " + PIPELINE + " has arguments that `lethe " + step.command() + "` rejects: "
          + e.getMessage() + " (arguments: " + step.args() + ")");
    }
  }

  @Test
  void theCliCheckNamesTheStepAndTheBadOption() {
    Step typo = new Step("forget-typo", "train", List.of("--store", "/tmp/s", "--inboxx", "/tmp/in"));
    assertThatThrownBy(() -> assertParses(typo))
        .isInstanceOf(AssertionError.class)
        .hasMessage("Step 'forget-typo' of submit/airflow/lethe_pipeline.json has arguments that `lethe train`"
            + " rejects: Unknown options: '--inboxx', '/tmp/in' (arguments: [--store, /tmp/s, --inboxx, /tmp/in])");
    Step missing = new Step("audit", "no-such-command", List.of());
    assertThatThrownBy(() -> assertParses(missing))
        .hasMessageStartingWith("Step 'audit' of submit/airflow/lethe_pipeline.json runs `lethe no-such-command`,"
            + " but this jar's lethe has no command 'no-such-command' (it has [quickstart, prepare, train,");
  }

  @Test
  void thePipelineIsConsistent() throws IOException {
    JsonNode pipeline = pipeline();
    assertThat(pipeline.at("/application/mainClass").asText()).isEqualTo(LetheCli.class.getName());
    assertThat(pipeline.at("/application/jar").asText()).isEqualTo("${jar}");
    Map<String, Integer> dagsOfStep = new LinkedHashMap<>();
    pipeline.get("steps").forEach(s -> dagsOfStep.put(s.get("id").asText(), 0));
    Map<String, JsonNode> dags = new LinkedHashMap<>();
    for (JsonNode dag : pipeline.get("dags")) {
      dags.put(dag.get("id").asText(), dag);
      for (JsonNode step : dag.get("steps")) {
        assertThat(dagsOfStep).as("steps of DAG " + dag.get("id")).containsKey(step.asText());
        dagsOfStep.merge(step.asText(), 1, Integer::sum);
      }
    }
    assertThat(dagsOfStep).as("how many DAGs run each step").allSatisfy((step, count) -> assertThat(count)
        .as(step).isEqualTo(1));
    assertThat(dags.get("lethe_prepare").get("schedule").isNull()).as("prepare is triggered by hand").isTrue();
    assertThat(dags.get("lethe_forget").get("schedule").asText()).isEqualTo("@hourly");
    assertThat(dags.get("lethe_train").get("schedule").asText()).isEqualTo("@daily");
    assertThat(steps().map(Step::command)).containsExactly("prepare", "forget", "verify", "retrain", "train",
        "predict");
  }

  private static boolean python3Missing() {
    try {
      return new ProcessBuilder("python3", "--version").start().waitFor() != 0;
    } catch (IOException e) {
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private String python(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("python3"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    // keep __pycache__ out of the source tree
    builder.environment().put("PYTHONPYCACHEPREFIX", tmp.resolve("pycache").toString());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as("python3 " + args[args.length - 1] + " printed:%n" + output).isZero();
    return output;
  }

  @Test
  void theDagFileIsValidPythonAndReadsThePipeline() throws Exception {
    Assumptions.assumeFalse(python3Missing(), "python3 is not installed; the DAG file's syntax is not checked");
    Path dagFile = RepoFiles.path(DAG_FILE);
    python("-m", "py_compile", dagFile.toString());
    assertThat(Files.readString(dagFile)).contains("with_name(\"lethe_pipeline.json\")");
    assertThat(dagFile.resolveSibling("lethe_pipeline.json")).isEqualTo(RepoFiles.path(PIPELINE));
  }
}
