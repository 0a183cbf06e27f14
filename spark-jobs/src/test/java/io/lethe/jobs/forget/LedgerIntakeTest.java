package io.lethe.jobs.forget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.jobs.testing.Fixtures;
import io.lethe.prep.InvalidInputException;
import io.lethe.store.LetheStore;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerIntakeTest {
  @TempDir Path dir;
  static SparkSession spark;

  @BeforeAll
  static void session() {
    spark = Fixtures.spark();
  }

  /** A store opened on a plain Hadoop configuration: nothing of Spark is involved in writing. */
  private LetheStore storeWithoutSpark(String name) {
    return LetheStore.open(dir.resolve(name).toUri().toString(), new Configuration(), false, Clock.systemUTC());
  }

  private static List<String> rows(List<Row> rows) {
    return rows.stream().map(r -> r.getString(0) + "|" + r.getString(1) + "|" + r.getString(2) + "|"
        + r.getString(3)).sorted().toList();
  }

  @Test
  void commandLineIdsGiveTheSameRequestsAsTheSparkReader() {
    List<String> records = List.of("train-00001", "train-00001", "r with space", "é-ü");
    List<String> subjects = List.of("alice", "train-00001");
    List<String> expected = rows(RequestReader.fromIds(spark, records, subjects, "GDPR Art. 17").collectAsList());
    List<String> actual = CommandLineRequests.validate(records, subjects, "GDPR Art. 17").stream()
        .map(r -> r.requestId() + "|" + r.idKind() + "|" + r.id() + "|" + r.reason()).sorted().toList();
    assertThat(actual).hasSize(5).isEqualTo(expected);
    assertThat(CommandLineRequests.validate(List.of("x"), List.of(), "  ").get(0).reason()).isNull();
  }

  @Test
  void badCommandLineIdsAreRejectedWithTheSparkReadersMessage() {
    List<String> records = List.of("ok", "../etc", "a,b", " ", "\uFFFD(");
    List<String> subjects = List.of("x".repeat(257));
    String message = "Rejected the command line; nothing was recorded (3 problems):\n"
        + "  - 1 row give neither a record_id nor a subject_id\n"
        + "  - 3 rows have an invalid id. Ids must be 1 to 256 characters without control characters, '/', '\\'"
        + " or ',' (first: '../etc', 'a,b', '" + "x".repeat(40) + "'... (257 chars))\n"
        + "  - 1 row have an id with bytes that are not valid UTF-8 (first: '\uFFFD(')";
    assertThatThrownBy(() -> RequestReader.fromIds(spark, records, subjects, null)).hasMessage(message);
    assertThatThrownBy(() -> CommandLineRequests.validate(records, subjects, null))
        .isInstanceOf(InvalidInputException.class).hasMessage(message);
    assertThatThrownBy(() -> CommandLineRequests.validate(List.of(), List.of(), null))
        .hasMessage("Nothing to forget: give --record, --subject, --file or --inbox.");
  }

  @Test
  void aSubmissionWrittenWithoutSparkIsReadBySparkAndKnownToBothIntakes() {
    LetheStore plain = storeWithoutSpark("store");
    Ledger.Acknowledgement ack = new LedgerIntake(plain).acknowledge(
        CommandLineRequests.validate(List.of("r1", "r2"), List.of("s1"), "why"));
    assertThat(ack.received()).isEqualTo(3);
    assertThat(ack.alreadyKnown()).isZero();

    LetheStore store = Fixtures.open(spark, Fixtures.blobSettings(dir.resolve("store"), dir, dir));
    Ledger ledger = new Ledger(spark, store);
    assertThat(ledger.pending()).extracting(Ledger.Submission::id, Ledger.Submission::requests)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(ack.submissionId(), 3L));
    List<Row> read = ledger.requests().orderBy(RequestReader.ID).collectAsList();
    assertThat(rows(read)).isEqualTo(rows(RequestReader.fromIds(spark, List.of("r1", "r2"), List.of("s1"), "why")
        .collectAsList()));
    assertThat(read).allSatisfy(r -> {
      assertThat(r.getString(4)).isEqualTo(ack.at());
      assertThat(r.getString(5)).isEqualTo(ack.submissionId());
    });

    // The Spark intake recognises what the plain one wrote, and the other way round.
    Ledger.Acknowledgement bySpark = ledger.acknowledge(RequestReader.fromIds(spark, List.of("r1", "r3"),
        List.of(), null));
    assertThat(bySpark.received()).isEqualTo(1);
    assertThat(bySpark.alreadyKnown()).isEqualTo(1);
    Ledger.Acknowledgement again = new LedgerIntake(plain).acknowledge(
        CommandLineRequests.validate(List.of("r3", "r2", "r4"), List.of("s1"), null));
    assertThat(again.received()).isEqualTo(1);
    assertThat(again.alreadyKnown()).isEqualTo(3);
    assertThat(ledger.requests().count()).isEqualTo(5);
    assertThat(ledger.pending()).hasSize(3);
  }

  @Test
  void theCliAcknowledgesCommandLineIdsWithoutStartingSparkAndKeepsThemWhenProcessingFails() throws Exception {
    Path store = dir.resolve("cli-store");
    // A master Spark cannot parse: any Spark session the command started would fail.
    Run ack = lethe("forget", "--store", store.toString(), "--set", "lethe.spark.master=no-such-master",
        "--record", "train-00007", "--subject", "alice", "--no-process");
    assertThat(ack.exit()).as(ack.output()).isZero();
    assertThat(ack.output()).contains("Acknowledged 2 new deletion request(s) at ");

    // Processing needs no Spark before it retrains (the session starts in the background meanwhile), so it gets as
    // far as routing, where this store's missing data stops it with one line, not Spark's failure to start.
    Run failed = lethe("forget", "--store", store.toString(), "--set", "lethe.spark.master=no-such-master",
        "--record", "train-00008");
    assertThat(failed.exit()).as(failed.output()).isEqualTo(2);
    assertThat(failed.output()).contains("Acknowledged 1 new deletion request(s) at ")
        .contains("holds no prepared data yet").doesNotContain("no-such-master");

    // Every acknowledged request is kept: in the ledger, taken by a batch that `lethe resume` finishes.
    LetheStore opened = Fixtures.open(spark, Fixtures.blobSettings(store, dir, dir));
    Ledger ledger = new Ledger(spark, opened);
    assertThat(ledger.requests().select(RequestReader.ID).as(Encoders.STRING()).collectAsList())
        .containsExactlyInAnyOrder("train-00007", "alice", "train-00008");
    assertThat(ledger.pending()).isEmpty();
    List<String> batches = ForgetJournal.batchIds(opened);
    assertThat(batches).hasSize(1);
    ForgetJournal journal = new ForgetJournal(opened, batches.get(0));
    assertThat(journal.last().orElseThrow().state()).isEqualTo(ForgetState.ACKNOWLEDGED);
    assertThat(ForgetJournal.submissions(journal)).hasSize(2);
  }

  private record Run(int exit, String output) {}

  /** The lethe CLI in a JVM of its own, on this test's classpath; stderr joins stdout. */
  private Run lethe(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-cp", System.getProperty("java.class.path"), "io.lethe.jobs.cli.LetheCli"));
    command.addAll(List.of(args));
    File log = Files.createTempFile(dir, "lethe", ".log").toFile();
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("lethe " + String.join(" ", args) + " did not finish in 180 s");
    }
    return new Run(process.exitValue(), Files.readString(log.toPath(), StandardCharsets.UTF_8));
  }
}
