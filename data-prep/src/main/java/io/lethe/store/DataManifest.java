package io.lethe.store;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one committed data version holds: the settings that produced it, and for every shard/slice partition (and
 * the test split) its row count, a content hash and its files. Written last into the staged version directory, so
 * a version with a manifest is complete.
 *
 * @param derivedFrom the version this one was rewritten from (physical deletion), or null for a fresh prepare
 * @param test the test split, as a partition with shard and slice -1
 * @param idIndex the version's id index ({@link IdIndex}), committed with it; null in versions written before the
 *     index existed, which are routed by scanning their examples
 */
public record DataManifest(
    int formatVersion,
    int version,
    Integer derivedFrom,
    String createdAt,
    String reason,
    DataSettings settings,
    int numFeatures,
    int numClasses,
    long trainRows,
    long testRows,
    List<PartitionEntry> partitions,
    PartitionEntry test,
    IndexFile idIndex) {

  public DataManifest {
    partitions = List.copyOf(Objects.requireNonNull(partitions, "partitions"));
  }

  /** This manifest naming {@code index} as its id index. */
  public DataManifest withIdIndex(IndexFile index) {
    return new DataManifest(formatVersion, version, derivedFrom, createdAt, reason, settings, numFeatures,
        numClasses, trainRows, testRows, partitions, test, index);
  }

  /** The partition of one shard and slice, if it holds any rows. */
  public Optional<PartitionEntry> partition(int shard, int slice) {
    return partitions.stream().filter(p -> p.shard() == shard && p.slice() == slice).findFirst();
  }

  /** Whether the examples were sliced by a deletion prior column, so {@link #deletionPriorSums} is known. */
  public boolean hasDeletionPriors() {
    return settings.deletionPriorColumn() != null;
  }

  /**
   * Element i: the sum of the deletion priors of the rows in slice i of {@code shard} (the expected number of its
   * rows to be deleted), 0 for a slice without rows or without a recorded sum. All zero without a prior column.
   */
  public double[] deletionPriorSums(int shard) {
    double[] sums = new double[settings.numSlices()];
    for (PartitionEntry partition : partitions) {
      if (partition.shard() == shard && partition.deletionPriorSum() != null) {
        sums[partition.slice()] = partition.deletionPriorSum();
      }
    }
    return sums;
  }

  /** Rows of one shard over all its slices. */
  public long shardRows(int shard) {
    return partitions.stream().filter(p -> p.shard() == shard).mapToLong(PartitionEntry::rows).sum();
  }

  /**
   * How the examples were produced; enough to reproduce the version from its inputs.
   *
   * @param source "fashion-mnist", "idx", "parquet" or "csv"
   * @param strategy sharding strategy: "subject-hash" or "random"
   * @param salt salt of the subject hash (subject-hash) ; seed is used by random
   * @param deletionPriorColumn column of each row's deletion probability; with it, subjects likely to be deleted go
   *     to later slices of their shard. Null without; missing in manifests from before it existed
   */
  public record DataSettings(
      String source,
      List<String> inputs,
      List<String> testInputs,
      String strategy,
      int numShards,
      int numSlices,
      String salt,
      long seed,
      String idColumn,
      String subjectColumn,
      String labelColumn,
      List<String> featureColumns,
      double featureScale,
      String deletionPriorColumn) {}

  /**
   * One partition's files and a hash of its content.
   *
   * @param contentSha256 sha256 over the rows in record_id order (id, subject, label, feature bits), independent of
   *     how the rows are split into files
   * @param files paths relative to the store's {@code data/} directory, with sizes; a version made by physical
   *     deletion shares the files of untouched partitions with the version it was derived from
   * @param deletionPriorSum sum of the rows' deletion priors when the data has a prior column, else null
   */
  public record PartitionEntry(int shard, int slice, long rows, String contentSha256, List<FileEntry> files,
      Double deletionPriorSum) {
    public PartitionEntry {
      files = List.copyOf(Objects.requireNonNull(files, "files"));
    }

    /** A partition without a deletion prior sum. */
    public PartitionEntry(int shard, int slice, long rows, String contentSha256, List<FileEntry> files) {
      this(shard, slice, rows, contentSha256, files, null);
    }

    /**
     * This partition, rewritten from {@code before} by deleting some of its rows, with {@code before}'s deletion
     * prior sum carried over in proportion to the rows kept. The examples do not keep each row's prior (only
     * prepare reads the prior column), so the deleted rows are taken to have had the partition's mean prior; without
     * this, a rewritten partition would read as one nobody is expected to delete from, and bipartite selection would
     * put it first. Unchanged when {@code before} has no sum.
     */
    public PartitionEntry withPriorSumCarriedFrom(PartitionEntry before) {
      if (before.deletionPriorSum() == null) {
        return this;
      }
      double kept = before.rows() == 0 ? 0 : before.deletionPriorSum() * rows / before.rows();
      return new PartitionEntry(shard, slice, rows, contentSha256, files, Math.round(kept * 1e9) / 1e9);
    }
  }

  public record FileEntry(String path, long bytes) {}

  /**
   * A data version's id index file.
   *
   * @param path relative to the store's {@code data/} directory, like {@link FileEntry#path}
   * @param rows index rows: one per training row and per test row
   * @param contentSha256 {@link IdIndex#contentHash} of its rows in file order
   */
  public record IndexFile(String path, long rows, long bytes, String contentSha256) {}
}
