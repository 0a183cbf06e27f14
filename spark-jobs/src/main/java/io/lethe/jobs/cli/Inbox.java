package io.lethe.jobs.cli;

import io.lethe.prep.InvalidInputException;
import io.lethe.store.LetheStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The folder {@code lethe forget --inbox} collects request files from, on any Hadoop file system ({@code hdfs://},
 * {@code file://}, or a plain local path, as for {@code --store}). Files are taken in name order; once their
 * requests are acknowledged they are moved to {@code processed/} inside the folder, so a scheduled run picks each
 * file up once.
 */
final class Inbox {
  private static final Set<String> REQUEST_FILES = Set.of(".csv", ".jsonl", ".json", ".ndjson", ".parquet");
  static final String PROCESSED = "processed";

  private final FileSystem fs;
  private final Path dir;

  private Inbox(FileSystem fs, Path dir) {
    this.fs = fs;
    this.dir = dir;
  }

  /** The inbox at {@code location}; fails with a one-line message when it is not a directory. */
  static Inbox open(String location, Configuration hadoopConf) {
    Path dir = new Path(LetheStore.toUri(location));
    try {
      FileSystem fs = dir.getFileSystem(hadoopConf);
      if (!fs.exists(dir) || !fs.getFileStatus(dir).isDirectory()) {
        throw new InvalidInputException("Inbox " + location + " is not a directory.");
      }
      return new Inbox(fs, fs.makeQualified(dir));
    } catch (IOException e) {
      throw new InvalidInputException("Cannot read inbox " + location + ": " + e.getMessage());
    }
  }

  /** The request files waiting in the inbox (not in sub-folders), by name. */
  List<Path> files() {
    try {
      return Arrays.stream(fs.listStatus(dir))
          .filter(FileStatus::isFile)
          .map(FileStatus::getPath)
          .filter(p -> isRequestFile(p.getName()))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list inbox " + dir, e);
    }
  }

  private static boolean isRequestFile(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return REQUEST_FILES.stream().anyMatch(lower::endsWith);
  }

  /** Moves acknowledged files to {@code processed/}, replacing an earlier file of the same name there. */
  void moveToProcessed(List<Path> files) {
    Path processed = new Path(dir, PROCESSED);
    try {
      fs.mkdirs(processed);
      for (Path file : files) {
        Path target = new Path(processed, file.getName());
        fs.delete(target, false);
        if (!fs.rename(file, target)) {
          throw new IOException("rename of " + file + " to " + target + " failed");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot move acknowledged request files to " + processed
          + " (their requests are recorded; moving them again is safe): " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return dir.toString();
  }
}
