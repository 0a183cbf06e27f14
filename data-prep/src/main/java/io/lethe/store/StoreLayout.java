package io.lethe.store;

import java.util.Locale;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.apache.hadoop.fs.Path;

/**
 * Where everything lives under a store root. The layout is part of the store's format: change it only together
 * with {@link LetheStore#FORMAT_VERSION}.
 *
 * <pre>
 * _lethe/store.json                    format version
 * _lethe/lock                          one writer at a time
 * data/v000001/_manifest.json          data version 1 (its presence marks the version complete)
 * data/v000001/examples/shard=K/slice=R/part-*.parquet
 * data/v000001/test/part-*.parquet
 * data/v000001/_index/ids.parquet     its id index: (record_id, subject_id, shard, slice), record_id order
 * models/ckpt/&lt;sha256&gt;.zip            content-addressed checkpoint, and &lt;sha256&gt;.json its provenance
 * models/ids/&lt;sha256&gt;.txt              a slice's sorted record ids, named by the hash provenance records
 * models/gen/0000000001.json           generation 1: which checkpoint each shard serves
 * models/metrics/&lt;run&gt;/part-*.parquet  per-slice training metrics
 * ledger/                              deletion requests and their events
 * staging/&lt;txn&gt;/                      in-flight writes; removed on commit or recovery
 * </pre>
 */
public final class StoreLayout {
  private static final String DATA_VERSION_PREFIX = "v";
  private static final String GENERATION_SUFFIX = ".json";

  private final Path root;

  public StoreLayout(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  public Path metaDir() {
    return new Path(root, "_lethe");
  }

  public Path storeInfo() {
    return new Path(metaDir(), "store.json");
  }

  public Path lock() {
    return new Path(metaDir(), "lock");
  }

  public Path dataDir() {
    return new Path(root, "data");
  }

  public Path dataVersion(int version) {
    return new Path(dataDir(), String.format(Locale.ROOT, "%s%06d", DATA_VERSION_PREFIX, version));
  }

  public Path dataManifest(int version) {
    return new Path(dataVersion(version), "_manifest.json");
  }

  public Path examples(int version) {
    return new Path(dataVersion(version), "examples");
  }

  public Path examplePartition(int version, int shard, int slice) {
    return new Path(examples(version), "shard=" + shard + "/slice=" + slice);
  }

  public Path testSplit(int version) {
    return new Path(dataVersion(version), "test");
  }

  /** The id index of a data version ({@link IdIndex}); versions written before it existed have none. */
  public Path idIndex(int version) {
    return new Path(dataVersion(version), IdIndex.RELATIVE_PATH);
  }

  public Path modelsDir() {
    return new Path(root, "models");
  }

  public Path checkpointsDir() {
    return new Path(modelsDir(), "ckpt");
  }

  public Path checkpointZip(String sha256) {
    return new Path(checkpointsDir(), sha256 + ".zip");
  }

  public Path checkpointProvenance(String sha256) {
    return new Path(checkpointsDir(), sha256 + ".json");
  }

  /** Record-id sets: the file's content (sorted ids, one per line) hashes to its name. */
  public Path recordIdSetsDir() {
    return new Path(modelsDir(), "ids");
  }

  public Path recordIdSet(String sha256) {
    return new Path(recordIdSetsDir(), sha256 + ".txt");
  }

  public Path generationsDir() {
    return new Path(modelsDir(), "gen");
  }

  public Path generation(long number) {
    return new Path(generationsDir(), String.format(Locale.ROOT, "%010d%s", number, GENERATION_SUFFIX));
  }

  public Path metricsDir() {
    return new Path(modelsDir(), "metrics");
  }

  public Path ledgerDir() {
    return new Path(root, "ledger");
  }

  public Path stagingDir() {
    return new Path(root, "staging");
  }

  /** Parses a data version directory name such as {@code v000012}; empty for anything else. */
  static OptionalInt parseDataVersion(String name) {
    if (!name.startsWith(DATA_VERSION_PREFIX) || name.length() == DATA_VERSION_PREFIX.length()) {
      return OptionalInt.empty();
    }
    String digits = name.substring(DATA_VERSION_PREFIX.length());
    return digits.chars().allMatch(Character::isDigit) && digits.length() <= 9
        ? OptionalInt.of(Integer.parseInt(digits))
        : OptionalInt.empty();
  }

  /** Parses a generation file name such as {@code 0000000003.json}; empty for anything else. */
  static OptionalLong parseGeneration(String name) {
    if (!name.endsWith(GENERATION_SUFFIX)) {
      return OptionalLong.empty();
    }
    String digits = name.substring(0, name.length() - GENERATION_SUFFIX.length());
    return !digits.isEmpty() && digits.length() <= 18 && digits.chars().allMatch(Character::isDigit)
        ? OptionalLong.of(Long.parseLong(digits))
        : OptionalLong.empty();
  }
}
