package io.lethe.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreLockTest {
  @TempDir Path dir;

  @Test
  void aSecondWriterFailsFastNamingTheHolderAndTheLockIsFreedOnClose() {
    LetheStore store = LetheStore.open(dir.toString(), new Configuration(), false,
        Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC));
    String uri = store.uri().toString();
    long pid = ProcessHandle.current().pid();
    try (StoreLock first = StoreLock.acquire(store, "lethe train")) {
      assertThatThrownBy(() -> StoreLock.acquire(store, "lethe forget"))
          .isInstanceOf(StoreException.class)
          .hasMessageStartingWith("Store " + uri + " is locked by 'lethe train' (pid " + pid + " on ")
          .hasMessageEndingWith(", since 2026-11-22T10:00:00Z). Only one Lethe writer may run at a time: wait for"
              + " it to finish. If that process is gone (crashed or killed), run `lethe unlock --store " + uri
              + "` and then `lethe resume` to finish its work.");
    }
    try (StoreLock again = StoreLock.acquire(store, "lethe forget")) {
      assertThat(again.holder().command()).isEqualTo("lethe forget");
      assertThat(StoreLock.forceUnlock(store)).isTrue();
    }
    assertThat(StoreLock.forceUnlock(store)).isFalse();
  }

  @Test
  void aLockWhoseHolderDiedOnThisHostIsCalledStale() throws Exception {
    LetheStore store = LetheStore.open(dir.toString(), new Configuration(), false,
        Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC));
    Process child = new ProcessBuilder("true").start();
    child.waitFor();
    String host = java.net.InetAddress.getLocalHost().getHostName();
    java.nio.file.Files.writeString(dir.resolve("_lethe/lock"), "{\"command\": \"lethe forget\", \"host\": \""
        + host + "\", \"pid\": " + child.pid() + ", \"since\": \"2026-11-22T09:00:00Z\"}");
    String uri = store.uri().toString();
    assertThatThrownBy(() -> StoreLock.acquire(store, "lethe resume"))
        .isInstanceOf(StoreException.class)
        .hasMessage("Store " + uri + " is locked by 'lethe forget' (pid " + child.pid() + " on " + host + ", since"
            + " 2026-11-22T09:00:00Z), but no process " + child.pid() + " runs on this host any more: the lock is"
            + " stale (that writer crashed or was killed). Check that no other machine writes to this store, then"
            + " run `lethe unlock --store " + uri + "` and then `lethe resume` to finish its work.");
  }

  private static void writeLock(Path dir, String host, long pid) throws Exception {
    java.nio.file.Files.createDirectories(dir.resolve("_lethe"));
    java.nio.file.Files.writeString(dir.resolve("_lethe/lock"), "{\"command\": \"lethe forget\", \"host\": \""
        + host + "\", \"pid\": " + pid + ", \"since\": \"2026-11-22T09:00:00Z\"}");
  }

  @Test
  void resumeTakesOverTheLockOfADeadProcessOnThisHostAndClearsItsStagedWrites() throws Exception {
    LetheStore store = LetheStore.open(dir.toString(), new Configuration(), false,
        Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC));
    Process child = new ProcessBuilder("true").start();
    child.waitFor();
    String host = java.net.InetAddress.getLocalHost().getHostName();
    writeLock(dir, host, child.pid());
    java.nio.file.Files.createDirectories(dir.resolve("staging/rewrite-x/examples"));
    java.nio.file.Files.writeString(dir.resolve("staging/file-y-0000000003.json"), "{}");
    try (StoreLock lock = StoreLock.acquireTakingOverDeadHolder(store, "lethe resume")) {
      assertThat(lock.holder().command()).isEqualTo("lethe resume");
      assertThat(lock.holder().pid()).isEqualTo(ProcessHandle.current().pid());
      assertThat(lock.tookOverFrom()).map(StoreLock.LockHolder::pid).contains(child.pid());
      assertThat(lock.takeOverNotice()).contains("Took over the lock of 'lethe forget' (pid " + child.pid() + " on "
          + host + ", since 2026-11-22T09:00:00Z): no process " + child.pid() + " runs on this host any more;"
          + " removed 2 staged leftover(s) of its unfinished writes.");
      assertThat(dir.resolve("staging")).isEmptyDirectory();
      assertThat(StoreLock.readHolder(store)).contains(lock.holder());
      assertThat(java.nio.file.Files.list(dir.resolve("_lethe")).map(p -> p.getFileName().toString()))
          .as("the dead holder's lock, moved aside, is gone").noneMatch(name -> name.startsWith("lock."));
    }
    assertThat(dir.resolve("_lethe/lock")).doesNotExist();
  }

  @Test
  void aFreeLockIsTakenWithoutNoticeAndLeavesStagingAlone() throws Exception {
    LetheStore store = LetheStore.open(dir.toString(), new Configuration(), false, Clock.systemUTC());
    java.nio.file.Files.createDirectories(dir.resolve("staging/other"));
    try (StoreLock lock = StoreLock.acquireTakingOverDeadHolder(store, "lethe resume")) {
      assertThat(lock.tookOverFrom()).isEmpty();
      assertThat(lock.takeOverNotice()).isEmpty();
    }
    assertThat(dir.resolve("staging/other")).isDirectory();
  }

  @Test
  void aLiveHolderIsNeverTakenOver() throws Exception {
    LetheStore store = LetheStore.open(dir.toString(), new Configuration(), false, Clock.systemUTC());
    String host = java.net.InetAddress.getLocalHost().getHostName();
    writeLock(dir, host, ProcessHandle.current().pid());
    java.nio.file.Files.createDirectories(dir.resolve("staging/live-writer"));
    assertThatThrownBy(() -> StoreLock.acquireTakingOverDeadHolder(store, "lethe resume"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("is locked by 'lethe forget' (pid " + ProcessHandle.current().pid() + " on " + host)
        .hasMessageContaining("Only one Lethe writer may run at a time");
    assertThat(StoreLock.readHolder(store)).map(StoreLock.LockHolder::pid).contains(ProcessHandle.current().pid());
    assertThat(dir.resolve("staging/live-writer")).isDirectory();
  }

  @Test
  void aHolderOnAnotherHostIsNeverTakenOverEvenIfItsPidIsFreeHere() throws Exception {
    LetheStore store = LetheStore.open(dir.toString(), new Configuration(), false, Clock.systemUTC());
    Process child = new ProcessBuilder("true").start();
    child.waitFor();
    writeLock(dir, "other-host.example", child.pid());
    assertThatThrownBy(() -> StoreLock.acquireTakingOverDeadHolder(store, "lethe resume"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("is locked by 'lethe forget' (pid " + child.pid() + " on other-host.example")
        .hasMessageContaining("Only one Lethe writer may run at a time");
    assertThat(StoreLock.readHolder(store)).map(StoreLock.LockHolder::host).contains("other-host.example");
  }
}
