package io.lethe.jobs.forget;

import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** sha256 of stored files, for the audit trail of what a forget removed. */
final class Hashes {
  private Hashes() {}

  /**
   * The sha256 of a file's bytes as they are. On a checksummed local file system the raw bytes are read, so a
   * damaged file is hashed (and reported by what it hashes to) rather than refused by Hadoop's own checksum.
   */
  static String sha256(LetheStore store, Path path) {
    FileSystem fs = store.fs() instanceof ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : store.fs();
    try (InputStream in = new DigestInputStream(fs.open(path), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (IOException e) {
      throw new StoreException("Cannot hash " + path + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
