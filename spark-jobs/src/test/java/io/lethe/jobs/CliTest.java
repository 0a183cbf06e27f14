package io.lethe.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.jobs.cli.LetheCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CliTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = LetheCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void topLevelHelpListsEveryCommand() {
    Run help = run("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Exact machine unlearning on Apache Spark")
        .contains("quickstart", "prepare", "train", "predict", "evaluate", "status", "bench", "unlock");
  }

  @ParameterizedTest
  @ValueSource(strings = {"quickstart", "prepare", "train", "predict", "evaluate", "status", "unlock"})
  void everyCommandExplainsItselfAndItsSharedOptions(String command) {
    Run help = run(command, "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).startsWith("Usage: lethe " + command).contains("--store=URI", "--config=FILE",
        "--set=KEY=VALUE");
  }

  @Test
  void benchTrainHelpNamesItsOutput() {
    Run help = run("bench", "train", "--help");
    assertThat(help.out()).contains("--output=FILE", "Where to write the JSON report", "bench-train.json");
  }

  @Test
  void benchCapacityHelpNamesItsOptionsAndRefusesAnEmptyStream() {
    Run help = run("bench", "capacity", "--help");
    assertThat(help.out()).contains("--output=FILE", "bench-capacity.json", "--seeds=N", "--deletions=N",
        "--configurations=NAME");

    Run bad = run("bench", "capacity", "--seeds", "0");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).isEqualTo("lethe capacity: --seeds must be at least 1, got 0" + System.lineSeparator());
  }

  @Test
  void benchScaleHelpNamesItsOptionsAndRefusesTooFewRows() {
    Run help = run("bench", "scale", "--help");
    assertThat(help.out()).contains("--output=FILE", "Where to write the JSON list", "--rows=N[,N...]",
        "--shards=N", "--features=N", "--epochs=N", "--work=DIR");

    Run bad = run("bench", "scale", "--rows", "2000,1000");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).isEqualTo("lethe scale: bench scale needs at least 2000 rows per size (it forgets 1001"
        + " records), got 1000; pass larger sizes to --rows" + System.lineSeparator());
  }

  @Test
  void aBadSettingFailsWithExitCode2AndOneClearLine() {
    Run bad = run("status", "--set", "lethe.data.shard=3");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).isEqualTo("lethe status: Unknown setting 'lethe.data.shard' (from --set"
        + " lethe.data.shard=3). Did you mean 'lethe.data.shards'? All settings are listed in"
        + " conf/application.conf." + System.lineSeparator());
  }

  @Test
  void predictRequiresAnOutput() {
    Run bad = run("predict");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).startsWith("Missing required option: '--output=PATH'");
  }
}
