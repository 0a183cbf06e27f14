package io.lethe.jobs.checkpoint;

import io.lethe.models.RecordIds;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The record ids each slice of a checkpoint saw, stored once per distinct set under the hash that provenance
 * records ({@code sliceRecordIdsSha256}). With them, "was record X ever seen by this checkpoint?" is answered
 * exactly from metadata: X is in one of the sets its provenance names. A set's file content is exactly what its
 * name hashes, so it verifies itself. The purge and verify read a set line by line ({@link #holdsAny}, {@link #check})
 * rather than {@link #load}ing it: a set grows with its slice, and the driver should not hold a slice's ids.
 */
public final class RecordIdSets {
  private final LetheStore store;

  public RecordIdSets(LetheStore store) {
    this.store = store;
  }

  /** Stores the set if it is not there yet; returns its hash. */
  public String write(Collection<String> recordIds) {
    List<String> sorted = new ArrayList<>(recordIds);
    sorted.sort(null);
    StringBuilder content = new StringBuilder();
    sorted.forEach(id -> content.append(id).append('\n'));
    String sha = RecordIds.sha256OfSorted(sorted);
    store.commitNewFile(store.layout().recordIdSet(sha), content.toString().getBytes(StandardCharsets.UTF_8), true);
    return sha;
  }

  public boolean exists(String sha256) {
    return store.exists(store.layout().recordIdSet(sha256));
  }

  /** Loads a set; fails if its content does not hash to its name. */
  public Set<String> load(String sha256) {
    String content = store.readString(store.layout().recordIdSet(sha256));
    List<String> ids = content.isEmpty() ? List.of() : List.of(content.split("\n"));
    if (!RecordIds.sha256OfSorted(ids).equals(sha256)) {
      throw new io.lethe.store.StoreException("Record-id set " + sha256 + " is corrupt: its content does not hash"
          + " to its name.");
    }
    return new HashSet<>(ids);
  }

  /**
   * Whether the set holds any of {@code ids}, read line by line: only one id of the set is in memory at a time.
   *
   * @throws StoreException if the set's bytes do not hash to its name (it is damaged) or cannot be read
   */
  public boolean holdsAny(String sha256, Set<String> ids) {
    boolean[] found = new boolean[1];
    scan(sha256, id -> {
      if (ids.contains(id)) {
        found[0] = true;
      }
    });
    return found[0];
  }

  /**
   * Checks that the set's bytes hash to its name, line by line.
   *
   * @throws StoreException if they do not (the set is damaged) or the set cannot be read
   */
  public void check(String sha256) {
    scan(sha256, id -> { });
  }

  /**
   * Feeds every id of the set to {@code each} while hashing its bytes. A set {@link #write} made holds its sorted ids,
   * each followed by a line break, so its bytes hash to what {@link RecordIds#sha256OfSorted} gives for its ids.
   */
  private void scan(String sha256, java.util.function.Consumer<String> each) {
    Path path = store.layout().recordIdSet(sha256);
    // Raw bytes on a checksummed local file system: a damaged set is reported by its hash, not refused by Hadoop.
    FileSystem fs = store.fs() instanceof ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : store.fs();
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (DigestInputStream in = new DigestInputStream(fs.open(path), digest);
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String id = lines.readLine(); id != null; id = lines.readLine()) {
        each.accept(id);
      }
    } catch (IOException e) {
      throw new StoreException("Cannot read record-id set " + sha256 + ": " + e.getMessage(), e);
    }
    if (!HexFormat.of().formatHex(digest.digest()).equals(sha256)) {
      throw new StoreException("Record-id set " + sha256 + " is corrupt: its content does not hash to its name.");
    }
  }

  public void delete(String sha256) {
    store.deleteIfExists(store.layout().recordIdSet(sha256));
  }
}
