package io.lethe.store;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The store's single-writer lock: a file created atomically ({@code O_EXCL} locally, create-if-absent on HDFS)
 * that names its holder. A crashed writer leaves it behind; {@code lethe unlock} removes it after an operator has
 * checked that the holder is gone.
 */
public final class StoreLock implements AutoCloseable {
  private final LetheStore store;
  private final LockHolder holder;
  private boolean released;

  private StoreLock(LetheStore store, LockHolder holder) {
    this.store = store;
    this.holder = holder;
  }

  /** Takes the lock for {@code command}, or fails at once naming whoever holds it. */
  public static StoreLock acquire(LetheStore store, String command) {
    LockHolder holder = new LockHolder(command, hostName(), ProcessHandle.current().pid(),
        store.clock().instant().toString());
    byte[] content = Json.write(holder).getBytes(StandardCharsets.UTF_8);
    org.apache.hadoop.fs.Path lock = store.layout().lock();
    try {
      store.fs().mkdirs(lock.getParent());
      if (!createExclusively(store, lock, content)) {
        throw new StoreException(lockedMessage(store));
      }
    } catch (IOException e) {
      throw new StoreException("Cannot create lock " + lock + ": " + e.getMessage(), e);
    }
    return new StoreLock(store, holder);
  }

  private static boolean createExclusively(LetheStore store, org.apache.hadoop.fs.Path lock, byte[] content)
      throws IOException {
    if (store.fs() instanceof LocalFileSystem || store.fs() instanceof RawLocalFileSystem) {
      Path file = Path.of(store.fs().makeQualified(lock).toUri());
      try {
        Files.write(file, content, java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }
    // HDFS implements create(overwrite = false) as an atomic create-if-absent on the NameNode.
    try (FSDataOutputStream out = store.fs().create(lock, false)) {
      out.write(content);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    }
  }

  private static String lockedMessage(LetheStore store) {
    LockHolder other;
    try {
      other = Json.read(store.readString(store.layout().lock()), LockHolder.class, "lock");
    } catch (RuntimeException e) {
      other = null;
    }
    String who = other == null ? "another writer"
        : "'" + other.command() + "' (pid " + other.pid() + " on " + other.host() + ", since " + other.since() + ")";
    String unlock = "run `lethe unlock --store " + store.uri() + "` and then `lethe resume` to finish its work.";
    if (other != null && other.host().equals(hostName()) && ProcessHandle.of(other.pid()).isEmpty()) {
      return "Store " + store.uri() + " is locked by " + who + ", but no process " + other.pid() + " runs on this"
          + " host any more: the lock is stale (that writer crashed or was killed). Check that no other machine"
          + " writes to this store, then " + unlock;
    }
    return "Store " + store.uri() + " is locked by " + who + ". Only one Lethe writer may run at a time: wait for it"
        + " to finish. If that process is gone (crashed or killed), " + unlock;
  }

  /** Removes a lock left by a crashed writer. */
  public static boolean forceUnlock(LetheStore store) {
    boolean present = store.exists(store.layout().lock());
    store.deleteIfExists(store.layout().lock());
    return present;
  }

  public LockHolder holder() {
    return holder;
  }

  @Override
  public void close() {
    if (!released) {
      store.deleteIfExists(store.layout().lock());
      released = true;
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return ManagementFactory.getRuntimeMXBean().getName();
    }
  }

  /** Who holds the lock, for the message a second writer reads. */
  public record LockHolder(String command, String host, long pid, String since) {}
}
