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
}
