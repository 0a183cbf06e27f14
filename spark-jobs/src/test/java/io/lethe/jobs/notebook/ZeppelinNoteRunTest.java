package io.lethe.jobs.notebook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.jobs.notebook.ScalaParagraphCompiler.Paragraph;
import io.lethe.jobs.notebook.ScalaParagraphRunner.Output;
import io.lethe.jobs.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the Zeppelin note's {@code %spark} paragraphs, in order, in the Scala 2.13 REPL with a live local
 * SparkSession, as Zeppelin's Spark interpreter would, on a small CSV data set instead of Fashion-MNIST; and checks
 * what each paragraph promises its reader. ({@link ZeppelinNoteTest} only compiles them.)
 */
class ZeppelinNoteRunTest {
  /** The one line the test changes: the store, and small-data settings as the paragraph's comment invites. */
  static final String OPEN_STORE = "io.lethe.jobs.api.Lethe.open(spark, \"file:///tmp/lethe-zeppelin\")";
  static final int TRAIN_ROWS = 120;
  static final int TEST_ROWS = 30;

  @TempDir static Path tmp;
  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = Fixtures.spark();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  /** Rows named like Fashion-MNIST's subjects (train-00042 is one row), in three well-separated classes. */
  static Path csv(String split, int rows, long seed) throws IOException {
    Random random = new Random(seed);
    StringBuilder csv = new StringBuilder("id,subject,label");
    for (int f = 0; f < Fixtures.FEATURES; f++) {
      csv.append(",f").append(f);
    }
    csv.append('\n');
    for (int i = 0; i < rows; i++) {
      int label = i % Fixtures.CLASSES;
      String name = String.format(Locale.ROOT, "%s-%05d", split, i);
      csv.append(name).append(',').append(name).append(',').append(label);
      for (int f = 0; f < Fixtures.FEATURES; f++) {
        double center = f % Fixtures.CLASSES == label ? 2.0 : 0.0;
        csv.append(',').append(String.format(Locale.ROOT, "%.4f", center + random.nextGaussian() * 0.7));
      }
      csv.append('\n');
    }
    Path file = tmp.resolve(split + ".csv");
    Files.writeString(file, csv);
    return file;
  }

  /** The note's Scala paragraphs, its store opened in a temporary folder on the small data set. */
  static List<Paragraph> paragraphsOnSmallData() throws IOException {
    List<String> features = new ArrayList<>();
    for (int f = 0; f < Fixtures.FEATURES; f++) {
      features.add("\\\"f" + f + "\\\"");
    }
    List<String> overrides = List.of(
        "lethe.data.source=csv",
        "lethe.data.inputs=[\\\"" + csv("train", TRAIN_ROWS, 1) + "\\\"]",
        "lethe.data.test-inputs=[\\\"" + csv("test", TEST_ROWS, 2) + "\\\"]",
        "lethe.data.id-column=id",
        "lethe.data.subject-column=subject",
        "lethe.data.feature-columns=[" + String.join(",", features) + "]",
        "lethe.data.shards=2",
        "lethe.data.slices=2",
        "lethe.model.architecture=tabular-mlp",
        "lethe.model.hidden-layers=[8]",
        "lethe.model.epochs=8",
        "lethe.model.learning-rate=0.01",
        "lethe.model.batch-size=16");
    String open = "io.lethe.jobs.api.Lethe.open(spark, \"" + tmp.resolve("store").toUri() + "\", "
        + overrides.stream().map(o -> "\"" + o + "\"").collect(Collectors.joining(", ")) + ")";
    List<Paragraph> paragraphs = new ArrayList<>();
    int replaced = 0;
    for (Paragraph p : ZeppelinNoteTest.scalaParagraphs()) {
      if (p.code().contains(OPEN_STORE)) {
        replaced++;
        p = new Paragraph(p.index(), p.title(), p.code().replace(OPEN_STORE, open));
      }
      paragraphs.add(p);
    }
    assertThat(replaced).as("paragraphs opening the store with " + OPEN_STORE).isEqualTo(1);
    return paragraphs;
  }

  @Test
  void everyParagraphRunsInOrderAndDoesWhatItSays() throws IOException {
    ZeppelinNoteTest.readNote();
    ZeppelinContextStandIn z = new ZeppelinContextStandIn();
    List<Output> outputs = new ArrayList<>();
    Object verified;
    try (ScalaParagraphRunner runner = new ScalaParagraphRunner(spark, z)) {
      for (Paragraph paragraph : paragraphsOnSmallData()) {
        outputs.add(runner.run(paragraph));
      }
      verified = runner.lastValue();
    }
    String printed = outputs.stream().map(Output::printed).collect(Collectors.joining("\n"));

    assertThat(printed).containsPattern("data version 1: " + TRAIN_ROWS + " training rows in 4 \\(shard, slice\\)"
        + " partitions, " + TEST_ROWS + " test rows");
    assertThat(printed).contains("generation 1 serves 2 shard models of data version 1");
    assertThat(printed).contains("1 forget batch(es) completed");
    assertThat(printed).contains("1 deleted record(s); ").doesNotContain("Finding[");
    assertThat(verified).as("the last paragraph's value, verification.ok()").isEqualTo(Boolean.TRUE);

    List<List<Row>> shown = z.shown();
    assertThat(shown).as("tables shown: accuracy, requests, forget report").hasSize(3);
    Map<String, Double> accuracy = shown.get(0).stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r.getDouble(1)));
    assertThat(accuracy).containsKeys("shard 0", "shard 1", "ensemble mean-softmax");
    assertThat(accuracy.get("ensemble mean-softmax")).as("test accuracy on well-separated classes")
        .isGreaterThan(0.8);
    Row request = shown.get(1).get(0);
    assertThat(shown.get(1)).hasSize(1);
    assertThat(request.<String>getAs("id")).isEqualTo("train-00042");
    assertThat(request.<String>getAs("status")).isEqualTo("completed");
    Map<String, String> report = shown.get(2).stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1)));
    assertThat(report).containsEntry("requests", "1").containsEntry("train rows deleted", "1");
  }

  @Test
  void aParagraphCallingAMethodTheApiLacksFailsNamingTheParagraph() throws IOException {
    ZeppelinNoteTest.readNote();
    List<Paragraph> paragraphs = List.of(
        new Paragraph(3, "Open the store", "val lethe = io.lethe.jobs.api.Lethe.open(spark, \""
            + tmp.resolve("broken-store").toUri() + "\")"),
        new Paragraph(4, "broken", "lethe.nope()"));
    try (ScalaParagraphRunner runner = new ScalaParagraphRunner(spark, new ZeppelinContextStandIn())) {
      runner.run(paragraphs.get(0));
      assertThatThrownBy(() -> runner.run(paragraphs.get(1)))
          .isInstanceOf(ScalaParagraphRunner.ParagraphFailed.class)
          .hasMessageStartingWith("paragraph 4 (\"broken\") failed:")
          .hasMessageContaining("value nope is not a member of io.lethe.jobs.api.Lethe");
    }
  }
}
