package io.lethe.jobs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The Python environment submit/ensure-python-env installs (Airflow 3, its Spark provider, pyspark, pytest), as the
 * integration tests use it. Its location comes from the system property {@code it.python.env} (failsafe sets it
 * to target/python-env, after running ensure-python-env in pre-integration-test).
 */
public record PythonEnv(Path root) {
  /** The environment failsafe prepared; fails, saying how to create it, when it is missing. */
  public static PythonEnv installed() {
    String property = System.getProperty("it.python.env");
    if (property == null) {
      throw new IllegalStateException("System property it.python.env is not set; run the integration tests with"
          + " Maven (mvn verify), which sets it and creates the environment");
    }
    PythonEnv env = new PythonEnv(Path.of(property).toAbsolutePath().normalize());
    if (!Files.isExecutable(env.bin("python"))) {
      throw new IllegalStateException("No Python environment in " + env.root() + ": run submit/ensure-python-env"
          + " (mvn verify runs it in pre-integration-test unless -DskipITs)");
    }
    return env;
  }

  /** An executable of the environment (python, airflow, pytest, spark-submit). */
  public Path bin(String name) {
    return root.resolve("bin").resolve(name);
  }

  /** pyspark's Spark distribution (bin/spark-submit, jars/), usable as SPARK_HOME. */
  public Path sparkHome() {
    try (Stream<Path> libs = Files.list(root.resolve("lib"))) {
      return libs.map(lib -> lib.resolve("site-packages/pyspark"))
          .filter(home -> Files.isExecutable(home.resolve("bin/spark-submit")))
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("pyspark is not installed in " + root));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** PATH with this environment's bin first (its spark-submit is pyspark's). */
  public String path() {
    return bin("") + java.io.File.pathSeparator + System.getenv("PATH");
  }
}
