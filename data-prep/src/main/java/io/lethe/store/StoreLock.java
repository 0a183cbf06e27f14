package io.lethe.store;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The store's single-writer lock: a file created atomically ({@code O_EXCL} locally, create-if-absent on HDFS)
 * that names its holder. A crashed writer leaves it behind. {@link #acquireTakingOverDeadHolder} (what
 * {@code lethe resume} uses) takes over a lock whose holder provably no longer exists: it was taken on this host
 * and no process with its pid runs here. A live holder, or one on another host (whose processes cannot be seen
 * from here), is never taken over; {@code lethe unlock} removes such a lock after an operator has checked that the
 * holder is gone.
 */
public final class StoreLock implements AutoCloseable {
  private final LetheStore store;
  private final LockHolder holder;
  private final LockHolder deadHolder;
  private final int stagingCleared;
  private boolean released;

  private StoreLock(LetheStore store, LockHolder holder, LockHolder deadHolder, int stagingCleared) {
    this.store = store;
    this.holder = holder;
    this.deadHolder = deadHolder;
    this.stagingCleared = stagingCleared;
  }

  /** Takes the lock for {@code command}, or fails at once naming whoever holds it. */
  public static StoreLock acquire(LetheStore store, String command) {
    LockHolder holder = newHolder(store, command);
    if (!tryCreate(store, holder)) {
      throw new StoreException(lockedMessage(store));
    }
    return new StoreLock(store, holder, null, 0);
  }

  /**
   * Takes the lock for {@code command}; if it is held by a process that no longer exists on this host, takes it
   * over from that dead holder and removes the dead holder's staged writes (its in-flight, uncommitted state).
   * Fails, naming the holder, when the holder is alive or on another host.
   */
  public static StoreLock acquireTakingOverDeadHolder(LetheStore store, String command) {
    LockHolder holder = newHolder(store, command);
    if (tryCreate(store, holder)) {
      return new StoreLock(store, holder, null, 0);
    }
    Optional<LockHolder> current = readHolder(store);
    if (current.isEmpty() || !isProvablyDead(current.get())) {
      throw new StoreException(lockedMessage(store));
    }
    LockHolder dead = current.get();
    org.apache.hadoop.fs.Path lock = store.layout().lock();
    // Move the dead holder's lock aside under a name of our own: of two processes taking over at once, only one
    // rename succeeds. What was moved is checked to be the dead holder's lock; had another taker replaced it with
    // its own lock in between, that lock is put back.
    org.apache.hadoop.fs.Path aside = new org.apache.hadoop.fs.Path(lock.getParent(),
        "lock.dead-" + UUID.randomUUID());
    try {
      if (!store.fs().rename(lock, aside)) {
        throw new StoreException(lockedMessage(store));
      }
      Optional<LockHolder> moved = parse(store.readString(aside));
      if (!moved.equals(current)) {
        boolean restored = createExclusively(store, lock, store.readBytes(aside));
        store.deleteIfExists(aside);
        if (!restored) {
          throw new StoreException("Store " + store.uri() + ": two writers took over the same dead lock at once;"
              + " check with `lethe status` that nothing runs, then run `lethe unlock --store " + store.uri()
              + "` and `lethe resume`.");
        }
        throw new StoreException(lockedMessage(store));
      }
      store.deleteIfExists(aside);
    } catch (IOException e) {
      throw new StoreException("Cannot take over lock " + lock + ": " + e.getMessage(), e);
    }
    if (!tryCreate(store, holder)) {
      throw new StoreException(lockedMessage(store));
    }
    int cleared = 0;
    for (org.apache.hadoop.fs.FileStatus leftover : store.list(store.layout().stagingDir())) {
      store.deleteIfExists(leftover.getPath());
      cleared++;
    }
    return new StoreLock(store, holder, dead, cleared);
  }

  /**
   * Whether {@code holder} is provably gone: it took the lock on this host and no process with its pid runs here.
   * A holder on another host is never provably gone (its processes cannot be seen from here).
   */
  public static boolean isProvablyDead(LockHolder holder) {
    return holder.host().equals(hostName()) && ProcessHandle.of(holder.pid()).map(p -> !p.isAlive()).orElse(true);
  }

  private static LockHolder newHolder(LetheStore store, String command) {
    return new LockHolder(command, hostName(), ProcessHandle.current().pid(), store.clock().instant().toString());
  }

  private static boolean tryCreate(LetheStore store, LockHolder holder) {
    byte[] content = Json.write(holder).getBytes(StandardCharsets.UTF_8);
    org.apache.hadoop.fs.Path lock = store.layout().lock();
    try {
      store.fs().mkdirs(lock.getParent());
      return createExclusively(store, lock, content);
    } catch (IOException e) {
      throw new StoreException("Cannot create lock " + lock + ": " + e.getMessage(), e);
    }
  }

  /** Who holds the store's lock now, if anyone (and if the lock file is readable). */
  public static Optional<LockHolder> readHolder(LetheStore store) {
    try {
      return parse(store.readString(store.layout().lock()));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<LockHolder> parse(String json) {
    try {
      return Optional.of(Json.read(json, LockHolder.class, "lock"));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
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
    // HDFS implements create(overwrite = false) as an atomic create-if-absent on the NameNode. While another client
    // is still writing the file, the NameNode refuses with "lease currently owned by" (AlreadyBeingCreatedException)
    // instead of FileAlreadyExistsException: the file exists either way, and so the lock is taken.
    try (FSDataOutputStream out = store.fs().create(lock, false)) {
      out.write(content);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      if (store.fs().exists(lock)) {
        return false;
      }
      throw e;
    }
  }

  private static String lockedMessage(LetheStore store) {
    LockHolder other = readHolder(store).orElse(null);
    String who = other == null ? "another writer"
        : "'" + other.command() + "' (pid " + other.pid() + " on " + other.host() + ", since " + other.since() + ")";
    String unlock = "run `lethe unlock --store " + store.uri() + "` and then `lethe resume` to finish its work.";
    if (other != null && isProvablyDead(other)) {
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

  /** The dead holder this lock was taken over from, if it was. */
  public Optional<LockHolder> tookOverFrom() {
    return Optional.ofNullable(deadHolder);
  }

  /**
   * The one line an operator reads when this lock was taken over from a dead holder (empty otherwise): whose lock
   * it was, why it was safe to take, and what was cleared.
   */
  public Optional<String> takeOverNotice() {
    return tookOverFrom().map(dead -> "Took over the lock of '" + dead.command() + "' (pid " + dead.pid() + " on "
        + dead.host() + ", since " + dead.since() + "): no process " + dead.pid() + " runs on this host any more;"
        + " removed " + stagingCleared + " staged leftover(s) of its unfinished writes.");
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
