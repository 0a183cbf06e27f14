package io.lethe.jobs.testing;

import io.lethe.store.FailPoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code lethe} CLI run as an operator runs it: {@code submit/lethe} in a child process (which execs the CLI's
 * JVM, so the child's pid is the JVM's and {@link Running#kill()} is a {@code kill -9} of it). The child runs this
 * test run's compiled classes ({@code LETHE_CLASSPATH}) instead of building. Output goes to files under a logs
 * folder, so a failing assertion can show what the process said.
 */
public final class LetheProcess {
  private static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
  private static final java.util.regex.Pattern LOG_LINE =
      java.util.regex.Pattern.compile("^\\d\\d:\\d\\d:\\d\\d (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) .*");

  private LetheProcess() {}

  /** A finished run. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    /** The command, its exit code and the end of its output, for assertion messages. */
    public String describe() {
      return String.join(" ", command) + " exited with " + exitCode + "\n--- stdout (end):\n" + tail(stdout)
          + "\n--- stderr (end):\n" + tail(stderr);
    }

    /**
     * What the command itself printed on stdout: without the operator log lines conf/log4j2.properties also sends
     * there ({@code HH:mm:ss LEVEL Logger: message}).
     */
    public String lethesStdout() {
      return stdout.lines().filter(line -> !LOG_LINE.matcher(line).matches())
          .map(line -> line + System.lineSeparator()).collect(java.util.stream.Collectors.joining());
    }

    private static String tail(String text) {
      return text.length() <= 5000 ? text : "..." + text.substring(text.length() - 5000);
    }
  }

  /** A started run. */
  public record Running(List<String> command, Process process, Path stdout, Path stderr) {
    /** Waits for the end of the run; kills it and fails after {@code timeout}. */
    public Result await(Duration timeout) {
      try {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          kill();
          throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout
              + "; killed it. " + describeSoFar());
        }
        return new Result(command, process.exitValue(), read(stdout), read(stderr));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        kill();
        throw new AssertionError("Interrupted while waiting for " + String.join(" ", command), e);
      }
    }

    /**
     * Waits until the process pauses at {@code step} (its marker file appears in {@code pauseDir}); fails if it
     * ends first or takes longer than {@code timeout}.
     */
    public void awaitPause(Path pauseDir, String step, Duration timeout) {
      Path marker = pauseDir.resolve(step + FailPoints.PAUSED_SUFFIX);
      long deadline = System.nanoTime() + timeout.toNanos();
      try {
        while (!Files.exists(marker)) {
          if (!process.isAlive()) {
            throw new AssertionError("The process ended before pausing at " + step + ": "
                + new Result(command, process.exitValue(), read(stdout), read(stderr)).describe());
          }
          if (System.nanoTime() > deadline) {
            kill();
            throw new AssertionError("The process did not pause at " + step + " within " + timeout + ". "
                + describeSoFar());
          }
          Thread.sleep(100);
        }
        String pid = Files.readString(marker, StandardCharsets.UTF_8).trim();
        if (!pid.equals(Long.toString(process.pid()))) {
          throw new AssertionError("Pause marker " + marker + " names pid " + pid + ", not the child's "
              + process.pid());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("Interrupted while waiting for pause " + step, e);
      }
    }

    /** Lets a process paused at {@code step} go on. */
    public void release(Path pauseDir, String step) {
      try {
        Files.writeString(pauseDir.resolve(step + FailPoints.CONTINUE_SUFFIX), "go");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** SIGKILL of the CLI's JVM, then waits until it is gone (reaped, so its pid no longer exists). */
    public void kill() {
      process.destroyForcibly();
      try {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          throw new AssertionError("pid " + process.pid() + " survived kill -9 for 60 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private String describeSoFar() {
      return "Output so far:\n--- stdout:\n" + Result.tail(read(stdout)) + "\n--- stderr:\n"
          + Result.tail(read(stderr));
    }
  }

  /** Runs {@code lethe ARGS} to its end. */
  public static Result run(Path logs, String name, List<String> javaOptions, Duration timeout, String... args) {
    return start(logs, name, javaOptions, args).await(timeout);
  }

  /**
   * Starts {@code submit/lethe ARGS}; {@code javaOptions} (such as a pause point) go to the CLI's JVM through
   * {@code LETHE_JAVA_OPTS}. Output goes to {@code logs/NAME.out} and {@code .err}, its log file (stack traces, Spark's logs) to {@code .log}.
   */
  public static Running start(Path logs, String name, List<String> javaOptions, String... args) {
    return start(logs, name, javaOptions, Map.of(), args);
  }

  /** As {@link #start(Path, String, List, String...)}, with {@code environment} added to the child's. */
  public static Running start(Path logs, String name, List<String> javaOptions, Map<String, String> environment,
      String... args) {
    List<String> command = new ArrayList<>();
    command.add(ROOT.resolve("submit/lethe").toString());
    command.addAll(List.of(args));
    // Spark reads spark.* system properties: no web UI for these short runs.
    List<String> opts = new ArrayList<>(List.of("-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dspark.ui.enabled=false"));
    opts.addAll(javaOptions);
    try {
      Files.createDirectories(logs);
      Path out = logs.resolve(name + ".out");
      Path err = logs.resolve(name + ".err");
      ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().put("LETHE_CLASSPATH", System.getProperty("java.class.path"));
      builder.environment().put("LETHE_JAVA_OPTS", String.join(" ", opts));
      builder.environment().put("LETHE_LOG_FILE", logs.resolve(name + ".log").toString());
      builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
      builder.environment().put("OMP_NUM_THREADS", "1");
      // Not inherited from the test JVM: submit/lethe's own default must pin OpenBLAS's kernels, or training refuses.
      builder.environment().remove("OPENBLAS_CORETYPE");
      builder.environment().putAll(environment);
      Process process = builder.start();
      process.getOutputStream().close();
      return new Running(command, process, out, err);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start " + command, e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
