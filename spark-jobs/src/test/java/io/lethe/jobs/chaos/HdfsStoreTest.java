package io.lethe.jobs.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.jobs.cli.LetheCli;
import io.lethe.jobs.forget.ForgetJournal;
import io.lethe.jobs.forget.Ledger;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.testing.LetheProcess;
import io.lethe.jobs.testing.StoreChecks;
import io.lethe.store.FailPoints;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import io.lethe.store.StoreLock;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lethe on a real HDFS (an in-process MiniDFSCluster: a NameNode and a DataNode in this JVM, reached over RPC like
 * any cluster's): the CLI prepares, trains, forgets (from a request file and from an {@code hdfs://} inbox),
 * predicts and verifies on an {@code hdfs://} store; and the store lock's create-if-absent admits exactly one of
 * several clients, and one of two {@code lethe} processes, racing for it.
 */
@Tag("hdfs")
class HdfsStoreTest {
  private static final Duration STEP = Duration.ofMinutes(4);
  @TempDir static Path dir;
  static MiniDFSCluster cluster;
  static SparkSession spark;
  static String hdfs;

  @BeforeAll
  static void startHdfs() throws IOException {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("dfs").toString());
    cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    cluster.waitActive();
    hdfs = "hdfs://localhost:" + cluster.getNameNodePort();
    spark = Fixtures.spark();
  }

  @AfterAll
  static void stopHdfs() {
    if (cluster != null) {
      cluster.shutdown();
    }
  }

  @Test
  void theCliRunsTheWholeLifecycleOnAnHdfsStore() throws IOException {
    Path train = Fixtures.blobsCsv(dir, "train", 180, 7);
    Path test = Fixtures.blobsCsv(dir, "test", 45, 8);
    FileSystem fs = FileSystem.get(java.net.URI.create(hdfs), new Configuration());
    fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(train.toUri()), new org.apache.hadoop.fs.Path(hdfs
        + "/input/train.csv"));
    fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(test.toUri()), new org.apache.hadoop.fs.Path(hdfs
        + "/input/test.csv"));
    String store = hdfs + "/lethe/store";
    Path config = writeConfig(hdfs + "/input/train.csv", hdfs + "/input/test.csv");

    assertThat(cli(config, "prepare", "--store", store).out()).startsWith("Data version 1 in " + store);
    assertThat(cli(config, "train", "--store", store).out()).contains("Published generation 1");
    assertThat(cli(config, "forget", "--store", store, "--subject", "s-train-0", "--reason", "hdfs").out())
        .contains("Acknowledged 1 new deletion request(s)").contains("Forget batch");

    String inbox = hdfs + "/lethe/forget-inbox";
    fs.mkdirs(new org.apache.hadoop.fs.Path(inbox));
    try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(inbox + "/2026-11-22.csv"))) {
      out.write("subject_id,reason\ns-train-1,inbox\ns-train-2,inbox\n".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(cli(config, "forget", "--store", store, "--inbox", inbox).out())
        .contains("Acknowledged 2 new deletion request(s)").contains("Forget batch");
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(inbox + "/processed/2026-11-22.csv"))).isTrue();
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(inbox + "/2026-11-22.csv"))).isFalse();
    assertThat(cli(config, "forget", "--store", store, "--inbox", inbox).out())
        .contains("Inbox " + inbox + " holds no request files.");

    String predictions = hdfs + "/out/predictions";
    cli(config, "predict", "--store", store, "--output", predictions);
    assertThat(spark.read().parquet(predictions).count()).isEqualTo(45);
    CliRun verify = cli(config, "verify", "--store", store);
    assertThat(verify.out()).startsWith("Checked 9 deleted record id(s) from 2 batch(es)").contains("verify: OK");

    LetheStore opened = open(store);
    assertThat(ForgetJournal.batchIds(opened)).hasSize(2);
    assertThat(new Ledger(spark, opened).requests().select("id").as(Encoders.STRING()).collectAsList())
        .containsExactlyInAnyOrder("s-train-0", "s-train-1", "s-train-2");
    assertThat(StoreChecks.orphans(opened)).isEmpty();
  }

  @Test
  void ofSeveralClientsRacingForTheLockExactlyOneGetsIt() throws Exception {
    String store = hdfs + "/lethe/race";
    int clients = 4;
    List<LetheStore> stores = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      // A FileSystem instance of its own per client: its own DFSClient, as in separate processes.
      Configuration conf = new Configuration();
      conf.setBoolean("fs.hdfs.impl.disable.cache", true);
      stores.add(LetheStore.open(store, conf, false, Clock.systemUTC()));
    }
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      for (int round = 0; round < 10; round++) {
        CyclicBarrier start = new CyclicBarrier(clients);
        List<Future<StoreLock>> attempts = new ArrayList<>();
        for (LetheStore client : stores) {
          Callable<StoreLock> attempt = () -> {
            start.await();
            try {
              return StoreLock.acquire(client, "lethe race");
            } catch (StoreException e) {
              // The holder may still be writing the lock's content: then the message names "another writer".
              assertThat(e.getMessage()).startsWith("Store " + store + " is locked by ");
              return null;
            }
          };
          attempts.add(pool.submit(attempt));
        }
        List<StoreLock> winners = new ArrayList<>();
        for (Future<StoreLock> f : attempts) {
          StoreLock lock = f.get();
          if (lock != null) {
            winners.add(lock);
          }
        }
        assertThat(winners).as("round %d", round).hasSize(1);
        winners.get(0).close();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void ofTwoLetheProcessesRacingForAnHdfsStoreOneWritesTheOtherExits2() throws Exception {
    String store = hdfs + "/lethe/processes";
    Path pauses = dir.resolve("pauses");
    Files.writeString(dir.resolve("a.csv"), "subject_id\ns-a\n");
    Files.writeString(dir.resolve("b.csv"), "subject_id\ns-b\n");
    String hold = "forget.acknowledge.before-commit";
    List<String> opts = List.of("-D" + FailPoints.PAUSE_PROPERTY + "=" + hold,
        "-D" + FailPoints.PAUSE_DIR_PROPERTY + "=" + pauses);
    Path logs = dir.resolve("logs");
    LetheProcess.Running a = LetheProcess.start(logs, "hdfs-a", opts, "forget", "--store", store, "--file",
        dir.resolve("a.csv").toString(), "--no-process");
    LetheProcess.Running b = LetheProcess.start(logs, "hdfs-b", opts, "forget", "--store", store, "--file",
        dir.resolve("b.csv").toString(), "--no-process");
    Path marker = pauses.resolve(hold + FailPoints.PAUSED_SUFFIX);
    long deadline = System.nanoTime() + STEP.toNanos();
    while (!Files.exists(marker)) {
      if (System.nanoTime() > deadline || (!a.process().isAlive() && !b.process().isAlive())) {
        a.kill();
        b.kill();
        throw new AssertionError("Neither process took the lock: " + a.await(STEP).describe() + "\n"
            + b.await(STEP).describe());
      }
      Thread.sleep(100);
    }
    LetheProcess.Running holder = Files.readString(marker).trim().equals(Long.toString(a.process().pid())) ? a : b;
    LetheProcess.Running other = holder == a ? b : a;
    LetheProcess.Result refused = other.await(STEP);
    assertThat(refused.exitCode()).as(refused::describe).isEqualTo(2);
    assertThat(refused.stderr()).contains("lethe forget: Store " + store + " is locked by 'lethe forget' (pid "
        + holder.process().pid());
    holder.release(pauses, hold);
    LetheProcess.Result won = holder.await(STEP);
    assertThat(won.exitCode()).as(won::describe).isZero();
    assertThat(new Ledger(spark, open(store)).requests().count()).isEqualTo(1);
  }

  record CliRun(int code, String out, String err) {}

  private static CliRun cli(Path config, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--config", config.toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = LetheCli.execute(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(code).as("lethe %s%n%s%s", all, out, err).isZero();
    return new CliRun(code, out.toString(), err.toString());
  }

  private static LetheStore open(String store) {
    return LetheStore.open(store, spark.sparkContext().hadoopConfiguration(), false, Clock.systemUTC());
  }

  private static Path writeConfig(String train, String test) throws IOException {
    List<String> features = new ArrayList<>();
    for (int f = 0; f < Fixtures.FEATURES; f++) {
      features.add("\"f" + f + "\"");
    }
    Path file = dir.resolve("hdfs.conf");
    Files.writeString(file, String.join("\n", List.of(
        "lethe.data.source = csv",
        "lethe.data.inputs = [\"" + train + "\"]",
        "lethe.data.test-inputs = [\"" + test + "\"]",
        "lethe.data.id-column = id",
        "lethe.data.subject-column = subject",
        "lethe.data.feature-columns = [" + String.join(",", features) + "]",
        "lethe.data.shards = 2",
        "lethe.data.slices = 2",
        "lethe.model.architecture = tabular-mlp",
        "lethe.model.hidden-layers = [8]",
        "lethe.model.epochs = 2",
        "lethe.model.batch-size = 16")) + "\n");
    return file;
  }
}
