package io.lethe.jobs.python;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.jobs.testing.PythonEnv;
import io.lethe.jobs.testing.RepoFiles;
import io.lethe.jobs.testing.Scripts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * submit/python/lethe.py, the PySpark access to Lethe, tested by its pytest suite (submit/python/test_lethe.py) in
 * the pyspark of submit/ensure-python-env against this build's shaded jar: a Python process starting its own JVM
 * through pyspark, as a {@code %pyspark} notebook does. The suite also runs the Zeppelin note's {@code %pyspark}
 * paragraph.
 */
class PySparkModuleIT {
  private static final Path ROOT = Path.of(System.getProperty("it.project.root")).toAbsolutePath().normalize();
  private static final Path WORK = ROOT.resolve("spark-jobs/target/it-pyspark");
  private static final Pattern SUMMARY = Pattern.compile("testsuite [^>]*?errors=\"(\\d+)\" failures=\"(\\d+)\""
      + " skipped=\"(\\d+)\" tests=\"(\\d+)\"");

  @Test
  void thePytestSuiteOfTheModulePassesWithNothingSkipped() throws IOException {
    PythonEnv python = PythonEnv.installed();
    Files.createDirectories(WORK);
    Path junitXml = WORK.resolve("pytest.xml");
    Files.deleteIfExists(junitXml);
    Path tests = RepoFiles.path("submit/python/test_lethe.py");
    Map<String, String> env = Map.of(
        "LETHE_JAR", System.getProperty("it.shaded.jar"),
        "SPARK_HOME", python.sparkHome().toString(),
        "PYTHONPATH", tests.getParent().toString(),
        "PYTHONDONTWRITEBYTECODE", "1",
        "PATH", python.path());
    Scripts.Result result = Scripts.run(ROOT, python.bin("python").toString(),
        List.of("-m", "pytest", "-p", "no:cacheprovider", "-v", "--basetemp", WORK.resolve("tmp").toString(),
            "--junitxml", junitXml.toString(), tests.toString()),
        // Ten minutes were not enough on the loaded 2-core machine (the suite trains and forgets twice).
        env, WORK.resolve("logs"), "pytest", Duration.ofMinutes(25));
    assertThat(result.exitCode()).as(result::describe).isZero();

    Matcher summary = SUMMARY.matcher(Files.readString(junitXml));
    assertThat(summary.find()).as("a test suite summary in " + junitXml).isTrue();
    assertThat(summary.group(1)).as("errors").isEqualTo("0");
    assertThat(summary.group(2)).as("failures").isEqualTo("0");
    assertThat(summary.group(3)).as("skipped").isEqualTo("0");
    assertThat(Integer.parseInt(summary.group(4))).as("tests run").isGreaterThanOrEqualTo(6);
  }
}
