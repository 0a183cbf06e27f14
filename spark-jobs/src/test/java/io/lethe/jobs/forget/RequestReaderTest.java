package io.lethe.jobs.forget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.jobs.cli.LetheCli;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.prep.InvalidInputException;
import io.lethe.store.LetheStore;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequestReaderTest {
  @TempDir static Path dir;
  static SparkSession spark;

  @BeforeAll
  static void session() {
    spark = Fixtures.spark();
  }

  private static String write(String name, String content) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file.toString();
  }

  private static void rejects(String file, String message) {
    assertThatThrownBy(() -> RequestReader.fromFile(spark, file, null))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage(message);
  }

  @Test
  void csvJsonLinesAndParquetGiveTheSameRequests() throws Exception {
    String csv = write("r.csv", "subject_id,reason\nalice,GDPR Art. 17\nbob,\n");
    String json = write("r.jsonl", "{\"subject_id\": \"alice\", \"reason\": \"GDPR Art. 17\"}\n{\"subject_id\":"
        + " \"bob\"}\n");
    String parquet = dir.resolve("r.parquet").toString();
    RequestReader.fromFile(spark, csv, null).write().parquet(parquet);
    for (String file : List.of(csv, json)) {
      List<Row> rows = RequestReader.fromFile(spark, file, "default").orderBy("id").collectAsList();
      assertThat(rows).extracting(r -> r.getString(1) + ":" + r.getString(2) + ":" + r.getString(3))
          .containsExactly("subject:alice:GDPR Art. 17", "subject:bob:default");
      assertThat(rows.get(0).getString(0)).startsWith("req-").hasSize(28);
    }
    assertThat(RequestReader.fromFile(spark, csv, null).collectAsList().get(0).getString(0))
        .isIn(RequestReader.fromFile(spark, json, null).collectAsList().stream().map(r -> r.getString(0))
            .toList());
  }

  @Test
  void duplicateIdsInOneFileAreOneRequest() throws Exception {
    String file = write("dup.csv", "record_id\na\na\nb\n");
    assertThat(RequestReader.fromFile(spark, file, null).count()).isEqualTo(2);
  }

  @Test
  void emptyFilesAreRejected() throws Exception {
    rejects(write("empty.csv", ""), "Request file " + dir.resolve("empty.csv") + " is empty: it holds no"
        + " requests.");
    rejects(write("header.csv", "record_id\n"), "Request file " + dir.resolve("header.csv") + " holds no"
        + " requests.");
  }

  @Test
  void wrongColumnsAndTypesAreNamed() throws Exception {
    rejects(write("cols.csv", "user,why\nx,y\n"), "Request file " + dir.resolve("cols.csv") + " has columns"
        + " [user, why]; it needs a record_id or subject_id column (and optionally request_id and reason).");
    rejects(write("extra.csv", "record_id,email\nx,y@z\n"), "Request file " + dir.resolve("extra.csv")
        + " has unexpected column(s) [email]; allowed are record_id, subject_id, request_id and reason.");
    rejects(write("num.jsonl", "{\"record_id\": 17}\n"), "Request file " + dir.resolve("num.jsonl")
        + ": column record_id holds bigint values; ids and reasons must be strings (quote them).");
    String parquet = dir.resolve("ints.parquet").toString();
    spark.createDataFrame(List.of(RowFactory.create(5)), new StructType().add("subject_id", DataTypes.IntegerType))
        .write().parquet(parquet);
    rejects(parquet, "Request file " + parquet + ": column subject_id holds int values; ids and reasons must be"
        + " strings (quote them).");
    String badJson = write("bad.jsonl", "{\"record_id\": \"a\"}\nnot json\n");
    rejects(badJson, "Request file " + badJson + ", line 2: it is not valid JSON (Unrecognized token 'not': was"
        + " expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')). Each line must be one"
        + " JSON object such as {\"record_id\": \"r-1\"}; fix or remove that line.");
    rejects(write("r.txt", "record_id\na\n"), "Request file " + dir.resolve("r.txt") + " has an unknown format;"
        + " name it *.csv, *.jsonl or *.parquet.");
    rejects(dir.resolve("missing.csv").toString(), "Request file " + dir.resolve("missing.csv")
        + " does not exist.");
  }

  @Test
  void badIdsAreListedAndNothingIsAccepted() throws Exception {
    Path file = dir.resolve("ids.csv");
    byte[] undecodable = {'r', 'e', 'c', 'o', 'r', 'd', '_', 'i', 'd', '\n', 'o', 'k', '\n', (byte) 0xC3, 0x28,
        '\n', '"', 'a', ',', 'b', '"', '\n', '.', '.', '/', 'e', 't', 'c', '\n'};
    Files.write(file, undecodable);
    rejects(file.toString(), "Rejected request file " + file + "; nothing was recorded (2 problems):\n"
        + "  - 2 rows have an invalid id. Ids must be 1 to 256 characters without control characters, '/', '\\'"
        + " or ',' (first: '../etc', 'a,b')\n"
        + "  - 1 row have an id with bytes that are not valid UTF-8 (first: '\uFFFD(')");
    rejects(write("both.csv", "record_id,subject_id\na,b\n"), "Rejected request file " + dir.resolve("both.csv")
        + "; nothing was recorded (1 problem):\n  - 1 row give both a record_id and a subject_id; one request"
        + " names one id (first: 'a')");
    rejects(write("reuse.csv", "record_id,request_id\na,r1\nb,r1\n"), "Rejected request file "
        + dir.resolve("reuse.csv") + "; nothing was recorded: request_id 'r1' names more than one id. Give each"
        + " id its own request_id.");
  }

  @Test
  void aMillionIdsAreAcknowledgedInOneSubmission() throws Exception {
    Path file = dir.resolve("million.csv");
    try (BufferedWriter out = Files.newBufferedWriter(file)) {
      out.write("record_id\n");
      for (int i = 0; i < 1_000_000; i++) {
        out.write("rec-" + i + "\n");
      }
    }
    LetheStore store = LetheStore.open(dir.resolve("store").toString(), new Configuration(), false,
        Clock.systemUTC());
    Ledger ledger = new Ledger(spark, store);
    Ledger.Acknowledgement ack = ledger.acknowledge(RequestReader.fromFile(spark, file.toString(), "bulk"));
    assertThat(ack.received()).isEqualTo(1_000_000);
    assertThat(ledger.requests().count()).isEqualTo(1_000_000);
    assertThat(ledger.pending()).singleElement().satisfies(s -> assertThat(s.requests()).isEqualTo(1_000_000));
  }

  /**
   * A forget of several files reads and validates all of them before the ledger is touched: a good file given
   * before a bad one must not be acknowledged on its own. Run through the CLI, which is the path that combines
   * files; the second half shows the same good file alone does reach the ledger, so the first half can fail.
   */
  @Test
  void aRejectedFileLeavesTheLedgerUntouched() throws Exception {
    Path root = dir.resolve("untouched");
    String good = write("good.csv", "record_id\ngood-1\ngood-2\n");
    String bad = write("half.csv", "record_id\ngood\nbad/one\n");
    StringWriter err = new StringWriter();
    int code = LetheCli.execute(new String[] {"forget", "--store", root.toString(), "--no-process", "--file", good,
        "--file", bad}, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).startsWith("lethe forget: Rejected request file " + bad + "; nothing was recorded");
    LetheStore store = LetheStore.open(root.toString(), new Configuration(), false, Clock.systemUTC());
    Ledger ledger = new Ledger(spark, store);
    assertThat(ledger.submissions()).isEmpty();
    assertThat(store.list(store.layout().stagingDir())).isEmpty();

    int alone = LetheCli.execute(new String[] {"forget", "--store", root.toString(), "--no-process", "--file",
        good}, new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true));
    assertThat(alone).isZero();
    assertThat(ledger.submissions()).singleElement().satisfies(s -> assertThat(s.requests()).isEqualTo(2));
  }
}
