package io.lethe.jobs.testing;

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
 * Runs the project's submit/ scripts (and other commands: airflow, pytest) as child processes the way an operator
 * would, with stdout and stderr kept in files so that a failing assertion can show what the command said.
 */
public final class Scripts {
  private Scripts() {}

  /** A script run that ended; {@code stdout} and {@code stderr} are its whole output. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    /** The command, its exit code and the end of its output, for assertion messages. */
    public String describe() {
      return String.join(" ", command) + " exited with " + exitCode + "\n--- stdout (end):\n" + tail(stdout)
          + "\n--- stderr (end):\n" + tail(stderr);
    }

    private static String tail(String text) {
      return text.length() <= 6000 ? text : "..." + text.substring(text.length() - 6000);
    }
  }

  /** A started script: its process and where its output goes. */
  public record Running(List<String> command, Process process, Path stdout, Path stderr) {
    /** Waits for the script to end; kills it and fails if it takes longer than {@code timeout}. */
    public Result await(Duration timeout) {
      try {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly().waitFor();
          throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout
              + "; killed it. Its output is in " + stdout + " and " + stderr);
        }
        return new Result(command, process.exitValue(), read(stdout), read(stderr));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
        throw new AssertionError("Interrupted while waiting for " + String.join(" ", command), e);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static String read(Path file) throws IOException {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    /** Kills the script if it is still running (it runs the Spark driver JVM itself: lethe-submit execs it). */
    public void killIfAlive() {
      if (process.isAlive()) {
        process.destroyForcibly();
      }
    }
  }

  /**
   * Starts {@code script} (relative to the project root, or absolute) with {@code args} and the inherited
   * environment changed by {@code env} (a null value removes a variable); output goes to
   * {@code logs/<name>.out} and {@code .err}.
   */
  public static Running start(Path root, String script, List<String> args, Map<String, String> env, Path logs,
      String name) {
    List<String> command = new ArrayList<>();
    command.add(root.resolve(script).toString());
    command.addAll(args);
    try {
      Files.createDirectories(logs);
      Path out = logs.resolve(name + ".out");
      Path err = logs.resolve(name + ".err");
      ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
      // A null value removes the variable from the inherited environment.
      env.forEach((variable, value) -> {
        if (value == null) {
          builder.environment().remove(variable);
        } else {
          builder.environment().put(variable, value);
        }
      });
      Process process = builder.start();
      process.getOutputStream().close();
      return new Running(command, process, out, err);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start " + command, e);
    }
  }

  /** Runs a script to its end. */
  public static Result run(Path root, String script, List<String> args, Map<String, String> env, Path logs, String name,
      Duration timeout) {
    return start(root, script, args, env, logs, name).await(timeout);
  }
}
