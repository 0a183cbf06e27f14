package io.lethe.jobs.notebook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lethe.jobs.notebook.ScalaParagraphCompiler.Paragraph;
import io.lethe.jobs.testing.RepoFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Zeppelin note (submit/zeppelin/lethe.zpln): its shape, and its Scala paragraphs compiled against this module's
 * classpath, so that a change to the notebook API that breaks the note fails the build.
 */
class ZeppelinNoteTest {
  static final String NOTE = "submit/zeppelin/lethe.zpln";
  static final String SHADED_JAR = "lethe-spark-jobs-0.1.0-SNAPSHOT-shaded.jar";

  private static JsonNode note;

  @TempDir Path classes;

  @BeforeAll
  static void readNote() throws IOException {
    note = new ObjectMapper().readTree(Files.readString(RepoFiles.path(NOTE)));
  }

  /** The interpreter a paragraph's text starts with ({@code %md}, {@code %spark.conf}, ...). */
  static String interpreter(JsonNode paragraph) {
    String text = paragraph.get("text").asText();
    return text.lines().findFirst().orElse("").strip();
  }

  /** A paragraph's text after its interpreter line. */
  static String body(JsonNode paragraph) {
    String text = paragraph.get("text").asText();
    int newline = text.indexOf('\n');
    return newline < 0 ? "" : text.substring(newline + 1);
  }

  static List<Paragraph> scalaParagraphs() {
    List<Paragraph> scala = new ArrayList<>();
    for (int i = 0; i < note.get("paragraphs").size(); i++) {
      JsonNode paragraph = note.get("paragraphs").get(i);
      if (interpreter(paragraph).equals("%spark")) {
        scala.add(new Paragraph(i, paragraph.get("title").asText(), body(paragraph)));
      }
    }
    return scala;
  }

  static int firstIndexOf(String interpreter) {
    for (int i = 0; i < note.get("paragraphs").size(); i++) {
      if (interpreter(note.get("paragraphs").get(i)).equals(interpreter)) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void isANoteOfTheSparkInterpreterWithExplanationsAndCode() {
    assertThat(note.get("name").asText()).isEqualTo("Lethe");
    assertThat(note.get("id").asText()).matches("[A-Z0-9]{9}");
    assertThat(note.get("defaultInterpreterGroup").asText()).isEqualTo("spark");
    assertThat(note.has("config")).isTrue();
    assertThat(note.has("info")).isTrue();
    List<String> interpreters = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    note.get("paragraphs").forEach(p -> {
      interpreters.add(interpreter(p));
      ids.add(p.get("id").asText());
      assertThat(p.get("config").get("enabled").asBoolean()).as(p.get("title").asText()).isTrue();
    });
    assertThat(interpreters).containsOnly("%md", "%spark.conf", "%spark", "%pyspark");
    assertThat(interpreters.stream().filter("%md"::equals).count()).isGreaterThanOrEqualTo(3);
    assertThat(ids).doesNotHaveDuplicates();
    assertThat(scalaParagraphs()).extracting(p -> p.code().strip())
        .anyMatch(code -> code.contains("io.lethe.jobs.api.Lethe.open(spark, \"file:///tmp/lethe-zeppelin\")"))
        .anyMatch(code -> code.contains("lethe.forgetSubjects(java.util.List.of(\"train-00042\"),"))
        .anyMatch(code -> code.contains("z.show(lethe.requests())"))
        .anyMatch(code -> code.contains("z.show(lethe.reportTable(reports.get(0)))"))
        .anyMatch(code -> code.endsWith("verification.ok()"));
  }

  @Test
  void confParagraphLoadsTheShadedJarAndPinsNativeThreadsBeforeAnyScala() {
    int conf = firstIndexOf("%spark.conf");
    assertThat(conf).isGreaterThanOrEqualTo(0).isLessThan(firstIndexOf("%spark"));
    Map<String, String> properties = new LinkedHashMap<>();
    body(note.get("paragraphs").get(conf)).lines().map(String::strip)
        .filter(line -> !line.isEmpty() && !line.startsWith("#"))
        .forEach(line -> properties.put(line.split("\\s+", 2)[0], line.split("\\s+", 2)[1]));
    assertThat(properties.get("spark.jars")).endsWith("/" + SHADED_JAR);
    assertThat(properties.get("spark.executorEnv.OMP_NUM_THREADS")).isEqualTo("1");
    assertThat(properties.get("spark.executorEnv.OPENBLAS_CORETYPE")).isEqualTo("Haswell");
  }

  @Test
  void accuracyParagraphDrawsABarChartOfAccuracyPerModel() {
    JsonNode accuracy = null;
    for (JsonNode p : note.get("paragraphs")) {
      if (body(p).contains("z.show(lethe.accuracyTable())")) {
        accuracy = p;
      }
    }
    assertThat(accuracy).as("a paragraph showing lethe.accuracyTable()").isNotNull();
    JsonNode graph = accuracy.get("config").get("results").get("0").get("graph");
    assertThat(graph.get("mode").asText()).isEqualTo("multiBarChart");
    // The column names of Lethe.accuracyTable().
    assertThat(graph.get("keys").findValuesAsText("name")).containsExactly("model");
    assertThat(graph.get("values").findValuesAsText("name")).containsExactly("accuracy");
  }

  @Test
  void scalaParagraphsCompileAgainstTheNotebookApi() {
    List<Paragraph> scala = scalaParagraphs();
    assertThat(scala).hasSizeGreaterThanOrEqualTo(5);
    assertThat(ScalaParagraphCompiler.compile(scala, classes)).isEmpty();
    assertThat(classes.resolve("LetheNote$.class")).exists();
  }

  @Test
  void aMethodTheApiLacksIsReportedAtItsParagraphAndLine() {
    List<Paragraph> scala = new ArrayList<>(scalaParagraphs());
    scala.add(new Paragraph(99, "broken", "// the next line calls what Lethe does not have\nlethe.nope()\n"));
    assertThat(ScalaParagraphCompiler.compile(scala, classes)).extracting(Object::toString)
        .containsExactly("paragraph 99 (\"broken\") line 2: value nope is not a member of io.lethe.jobs.api.Lethe");
  }
}
