package io.lethe.jobs.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.jobs.forget.Ledger;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.testing.LetheProcess;
import io.lethe.store.FailPoints;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreLock;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store lock between real {@code lethe} processes: of two writers started together exactly one proceeds and the
 * other exits 2 naming the holder, losing nothing; {@code lethe resume} never takes over a live holder's lock nor a
 * lock taken on another host; {@code lethe unlock} frees a lock an operator knows to be stale.
 */
@Tag("chaos")
class StoreLockProcessTest {
  private static final Duration STEP = Duration.ofMinutes(4);
  /** What the operator log lines on stderr start with (conf/log4j2.properties); everything else is Lethe's. */
  private static final Pattern LOG_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d .*");
  private static final String HOLD = "forget.acknowledge.before-commit";

  @TempDir Path dir;

  @Test
  void ofTwoWritersStartedTogetherOneProceedsTheOtherExits2NamingItAndNothingIsLost() throws Exception {
    Path store = dir.resolve("store");
    Path pauses = dir.resolve("pauses");
    Files.writeString(dir.resolve("a.csv"), "subject_id\ns-a-1\ns-a-2\n");
    Files.writeString(dir.resolve("b.csv"), "subject_id\ns-b-1\n");
    List<String> hold = List.of("-D" + FailPoints.PAUSE_PROPERTY + "=" + HOLD,
        "-D" + FailPoints.PAUSE_DIR_PROPERTY + "=" + pauses);
    Path logs = dir.resolve("logs");
    LetheProcess.Running a = LetheProcess.start(logs, "writer-a", hold, "forget", "--store", store.toString(),
        "--file", dir.resolve("a.csv").toString(), "--no-process");
    LetheProcess.Running b = LetheProcess.start(logs, "writer-b", hold, "forget", "--store", store.toString(),
        "--file", dir.resolve("b.csv").toString(), "--no-process");
    // Whichever takes the lock first holds it while paused just before committing its requests.
    awaitEither(a, b, pauses);
    LetheProcess.Running holder = Files.readString(pauses.resolve(HOLD + FailPoints.PAUSED_SUFFIX)).trim()
        .equals(Long.toString(a.process().pid())) ? a : b;
    LetheProcess.Running loser = holder == a ? b : a;
    LetheProcess.Result lost = loser.await(STEP);

    assertThat(lost.exitCode()).as(lost::describe).isEqualTo(2);
    String uri = LetheStore.toUri(store.toString()).toString();
    assertThat(lethesLines(lost.stderr())).as(lost::describe).singleElement().asString()
        .startsWith("lethe forget: Store " + uri + " is locked by 'lethe forget' (pid " + holder.process().pid()
            + " on " + InetAddress.getLocalHost().getHostName() + ", since ")
        .contains("Only one Lethe writer may run at a time");

    // A live holder's lock is never taken over, not even by resume.
    LetheProcess.Result resume = LetheProcess.run(logs, "resume-live", List.of(), STEP, "resume", "--store",
        store.toString());
    assertThat(resume.exitCode()).as(resume::describe).isEqualTo(2);
    assertThat(lethesLines(resume.stderr())).singleElement().asString()
        .contains("is locked by 'lethe forget' (pid " + holder.process().pid());

    holder.release(pauses, HOLD);
    LetheProcess.Result won = holder.await(STEP);
    assertThat(won.exitCode()).as(won::describe).isZero();

    // The refused client submits again, now that the store is free: both clients' requests are in the ledger.
    String refusedFile = loser == a ? "a.csv" : "b.csv";
    LetheProcess.Result retried = LetheProcess.run(logs, "retry", List.of(), STEP, "forget", "--store",
        store.toString(), "--file", dir.resolve(refusedFile).toString(), "--no-process");
    assertThat(retried.exitCode()).as(retried::describe).isZero();
    SparkSession spark = Fixtures.spark();
    LetheStore opened = LetheStore.open(store.toString(), spark.sparkContext().hadoopConfiguration(), false,
        Clock.systemUTC());
    assertThat(new Ledger(spark, opened).requests().select("id").as(Encoders.STRING()).collectAsList())
        .containsExactlyInAnyOrder("s-a-1", "s-a-2", "s-b-1");
    assertThat(StoreLock.readHolder(opened)).isEmpty();
  }

  @Test
  void aLockTakenOnAnotherHostIsNeverTakenOverAndUnlockFreesIt() throws Exception {
    Path store = dir.resolve("store");
    Path logs = dir.resolve("logs");
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    LetheStore.open(store.toString(), new org.apache.hadoop.conf.Configuration(), false, Clock.systemUTC());
    String lock = "{\"command\": \"lethe train\", \"host\": \"node-7.cluster\", \"pid\": " + gone.pid()
        + ", \"since\": \"2026-11-22T09:00:00Z\"}";
    Files.writeString(store.resolve("_lethe/lock"), lock);

    LetheProcess.Result resume = LetheProcess.run(logs, "resume-remote", List.of(), STEP, "resume", "--store",
        store.toString());
    assertThat(resume.exitCode()).as(resume::describe).isEqualTo(2);
    assertThat(lethesLines(resume.stderr())).singleElement().asString()
        .isEqualTo("lethe resume: Store " + LetheStore.toUri(store.toString()) + " is locked by 'lethe train' (pid "
            + gone.pid() + " on node-7.cluster, since 2026-11-22T09:00:00Z). Only one Lethe writer may run at a"
            + " time: wait for it to finish. If that process is gone (crashed or killed), run `lethe unlock --store "
            + LetheStore.toUri(store.toString()) + "` and then `lethe resume` to finish its work.");
    assertThat(store.resolve("_lethe/lock")).hasContent(lock);

    LetheProcess.Result unlock = LetheProcess.run(logs, "unlock", List.of(), STEP, "unlock", "--store",
        store.toString());
    assertThat(unlock.exitCode()).as(unlock::describe).isZero();
    assertThat(unlock.lethesStdout()).isEqualTo("Removed the lock of " + LetheStore.toUri(store.toString())
        + System.lineSeparator());
    assertThat(store.resolve("_lethe/lock")).doesNotExist();
  }

  private static void awaitEither(LetheProcess.Running a, LetheProcess.Running b, Path pauses)
      throws InterruptedException {
    long deadline = System.nanoTime() + STEP.toNanos();
    while (!Files.exists(pauses.resolve(HOLD + FailPoints.PAUSED_SUFFIX))) {
      if (System.nanoTime() > deadline || (!a.process().isAlive() && !b.process().isAlive())) {
        a.kill();
        b.kill();
        throw new AssertionError("Neither writer reached " + HOLD + ": " + a.await(STEP).describe() + "\n"
            + b.await(STEP).describe());
      }
      Thread.sleep(100);
    }
  }

  /** Lethe's own lines on stderr, without the operator log lines. */
  private static List<String> lethesLines(String stderr) {
    return stderr.lines().filter(line -> !LOG_LINE.matcher(line).matches()).filter(line -> !line.isBlank())
        .toList();
  }
}
