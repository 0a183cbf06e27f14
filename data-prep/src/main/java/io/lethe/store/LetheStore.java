package io.lethe.store;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Lethe deployment's store on a Hadoop FileSystem, and its commit protocol: everything a reader can see is
 * first written under {@code staging/} and then made visible by one rename to a name that did not exist before.
 * Nothing visible is ever overwritten, so a crash at any point leaves the previous complete state readable; the
 * newest committed data version and generation are the current ones.
 *
 * <p>Renaming onto an existing path is not portable across Hadoop file systems (HDFS refuses, the local file
 * system replaces, object stores copy), which is why commits only ever rename onto fresh names.
 */
public final class LetheStore {
  /**
   * Version of the store layout and manifest formats written by this build. 2: a generation holds each shard's
   * {@link ShardLineage} (several slice orders) and an idempotency key; version 1 stores still open and read.
   */
  public static final int FORMAT_VERSION = 2;

  private static final Logger LOG = LoggerFactory.getLogger(LetheStore.class);
  private static final Set<String> ATOMIC_RENAME_SCHEMES = Set.of("file", "hdfs", "viewfs", "webhdfs");
  private static final DateTimeFormatter TXN_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final URI uri;
  private final FileSystem fs;
  private final StoreLayout layout;
  private final Clock clock;

  private LetheStore(URI uri, FileSystem fs, Clock clock) {
    this.uri = uri;
    this.fs = fs;
    this.layout = new StoreLayout(new Path(uri));
    this.clock = clock;
  }

  /**
   * Opens (and on first use creates) the store at {@code root}.
   *
   * @param allowNonAtomicRename whether to accept a file system whose rename is not atomic (S3 and other object
   *     stores); there a crash during a commit can expose a half-copied directory, so this is refused by default
   */
  public static LetheStore open(String root, Configuration hadoopConf, boolean allowNonAtomicRename, Clock clock) {
    return open(root, hadoopConf, allowNonAtomicRename, clock, true);
  }

  /**
   * Opens a store that must exist already (commands that only read or repair one): a missing location or a folder
   * that is not a Lethe store is refused in one line instead of being turned into an empty store.
   */
  public static LetheStore openExisting(String root, Configuration hadoopConf, boolean allowNonAtomicRename,
      Clock clock) {
    return open(root, hadoopConf, allowNonAtomicRename, clock, false);
  }

  private static LetheStore open(String root, Configuration hadoopConf, boolean allowNonAtomicRename, Clock clock,
      boolean create) {
    URI uri = toUri(root);
    String scheme = uri.getScheme();
    if (!ATOMIC_RENAME_SCHEMES.contains(scheme)) {
      String message = "Store " + root + " is on '" + scheme + "://', whose rename is not atomic: a crash during a"
          + " commit could expose half-written state. Use an HDFS or local store, or set"
          + " lethe.store.allow-non-atomic-rename = true to accept that risk.";
      if (!allowNonAtomicRename) {
        throw new StoreException(message);
      }
      LOG.warn(message);
    }
    try {
      FileSystem fs = FileSystem.get(uri, hadoopConf);
      LetheStore store = new LetheStore(uri, fs, clock);
      if (!create) {
        store.requireExisting(root);
      }
      store.initialize();
      return store;
    } catch (IOException e) {
      throw new StoreException("Cannot open store " + root + ": " + e.getMessage(), e);
    }
  }

  private void requireExisting(String root) throws IOException {
    if (fs.exists(layout.storeInfo())) {
      return;
    }
    Path rootPath = layout.root();
    if (!fs.exists(rootPath) || (fs.getFileStatus(rootPath).isDirectory() && fs.listStatus(rootPath).length == 0)) {
      throw new StoreException("No Lethe store at " + root + ": nothing is there. Check --store, or create one"
          + " with `lethe prepare --store " + root + "`.");
    }
    throw new StoreException(root + " is not a Lethe store: it holds other files and no _lethe/store.json. Check"
        + " --store; Lethe will not write into a folder it did not create.");
  }

  /** Turns a user-given store location (URI or plain local path) into an absolute URI. */
  public static URI toUri(String root) {
    if (root == null || root.isBlank()) {
      throw new StoreException("The store location is empty; pass --store <uri> or set lethe.store.root.");
    }
    URI uri = URI.create(root.contains("://") || root.startsWith("file:") ? root : "file://" + absolute(root));
    if (uri.getScheme() == null) {
      throw new StoreException("Store location '" + root + "' has no scheme; use file:///..., hdfs://... or a path.");
    }
    String path = uri.getPath();
    return path.length() > 1 && path.endsWith("/") ? URI.create(root.substring(0, root.length() - 1)) : uri;
  }

  private static String absolute(String localPath) {
    return java.nio.file.Path.of(localPath).toAbsolutePath().normalize().toString();
  }

  private void initialize() throws IOException {
    if (fs.exists(layout.storeInfo())) {
      StoreInfo info = Json.read(readString(layout.storeInfo()), StoreInfo.class, layout.storeInfo().toString());
      if (info.formatVersion() > FORMAT_VERSION) {
        throw new StoreException("Store " + uri + " has format version " + info.formatVersion()
            + " but this Lethe build reads up to version " + FORMAT_VERSION + ". Upgrade Lethe.");
      }
      return;
    }
    StoreInfo info = new StoreInfo(FORMAT_VERSION, clock.instant().toString());
    commitNewFile(layout.storeInfo(), Json.write(info).getBytes(StandardCharsets.UTF_8), true);
  }

  public URI uri() {
    return uri;
  }

  public FileSystem fs() {
    return fs;
  }

  public StoreLayout layout() {
    return layout;
  }

  public Clock clock() {
    return clock;
  }

  /** A fresh, empty staging directory for one transaction; its name says what it is for and when it began. */
  public Path newStagingDir(String purpose) {
    Path dir = new Path(layout.stagingDir(),
        purpose + "-" + TXN_TIME.format(clock.instant()) + "-" + UUID.randomUUID().toString().substring(0, 8));
    try {
      if (!fs.mkdirs(dir)) {
        throw new StoreException("Cannot create staging directory " + dir);
      }
      return dir;
    } catch (IOException e) {
      throw new StoreException("Cannot create staging directory " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Makes a staged file or directory visible at {@code target} with one rename. Fails if {@code target} exists:
   * committed state is immutable.
   */
  public void commitRename(Path staged, Path target) {
    try {
      if (fs.exists(target)) {
        throw new StoreException("Cannot commit " + staged + " to " + target + ": the target already exists."
            + " Committed state is never overwritten; another writer may have committed first.");
      }
      fs.mkdirs(target.getParent());
      if (!fs.rename(staged, target)) {
        throw new StoreException("Rename of " + staged + " to " + target + " failed; nothing was committed.");
      }
    } catch (IOException e) {
      throw new StoreException("Commit of " + staged + " to " + target + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code bytes} to a fresh file at {@code target}: staged first, then renamed into place.
   *
   * @param ifAbsent when true an existing target is left as it is (content-addressed files), otherwise it fails
   * @return whether this call created the file
   */
  public boolean commitNewFile(Path target, byte[] bytes, boolean ifAbsent) {
    try {
      if (ifAbsent && fs.exists(target)) {
        return false;
      }
      Path tmp = new Path(layout.stagingDir(), "file-" + UUID.randomUUID() + "-" + target.getName());
      writeFile(tmp, bytes);
      try {
        commitRename(tmp, target);
        return true;
      } catch (StoreException e) {
        fs.delete(tmp, false);
        if (ifAbsent && fs.exists(target)) {
          return false;
        }
        throw e;
      }
    } catch (IOException e) {
      throw new StoreException("Cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * Replaces a damaged file with {@code bytes}, which the caller has proven correct (a checkpoint's rebuilt bytes
   * hash to its name). The new bytes are staged first; then the damaged file is renamed aside into the same
   * staging directory and the new one renamed into place, so the name never holds a partial file. A crash between
   * the two renames leaves the name empty and both files under staging: repair again.
   */
  public void replaceFile(Path target, byte[] bytes) {
    Path dir = newStagingDir("replace");
    Path fresh = new Path(dir, target.getName());
    Path damaged = new Path(dir, target.getName() + ".damaged");
    try {
      writeFile(fresh, bytes);
      if (fs.exists(target) && !fs.rename(target, damaged)) {
        throw new StoreException("Cannot move damaged " + target + " aside to " + damaged + "; nothing was"
            + " replaced.");
      }
      if (!fs.rename(fresh, target)) {
        throw new StoreException("Cannot rename " + fresh + " to " + target + "; the damaged file is kept at "
            + damaged + ". Run the repair again.");
      }
      fs.delete(dir, true);
    } catch (IOException e) {
      throw new StoreException("Cannot replace " + target + ": " + e.getMessage(), e);
    }
  }

  private void writeFile(Path path, byte[] bytes) throws IOException {
    try (OutputStream out = fs.create(path, false)) {
      out.write(bytes);
    }
  }

  public byte[] readBytes(Path path) {
    try (InputStream in = fs.open(path); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      in.transferTo(out);
      return out.toByteArray();
    } catch (FileNotFoundException e) {
      throw new StoreException("Missing file " + path + " in store " + uri, e);
    } catch (IOException e) {
      throw new StoreException("Cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  public String readString(Path path) {
    return new String(readBytes(path), StandardCharsets.UTF_8);
  }

  public boolean exists(Path path) {
    try {
      return fs.exists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check " + path, e);
    }
  }

  /** Deletes a path if present (recursively); used only for state no committed manifest refers to. */
  public void deleteIfExists(Path path) {
    try {
      fs.delete(path, true);
    } catch (IOException e) {
      throw new StoreException("Cannot delete " + path + ": " + e.getMessage(), e);
    }
  }

  /** All committed data versions, ascending. A version counts once its manifest is in place. */
  public List<Integer> dataVersions() {
    List<Integer> versions = new ArrayList<>();
    for (FileStatus status : list(layout.dataDir())) {
      OptionalInt version = StoreLayout.parseDataVersion(status.getPath().getName());
      if (status.isDirectory() && version.isPresent() && exists(layout.dataManifest(version.getAsInt()))) {
        versions.add(version.getAsInt());
      }
    }
    versions.sort(null);
    return versions;
  }

  public OptionalInt latestDataVersion() {
    List<Integer> versions = dataVersions();
    return versions.isEmpty() ? OptionalInt.empty() : OptionalInt.of(versions.get(versions.size() - 1));
  }

  /** All committed generation numbers, ascending. */
  public List<Long> generations() {
    List<Long> numbers = new ArrayList<>();
    for (FileStatus status : list(layout.generationsDir())) {
      OptionalLong number = StoreLayout.parseGeneration(status.getPath().getName());
      if (status.isFile() && number.isPresent()) {
        numbers.add(number.getAsLong());
      }
    }
    numbers.sort(null);
    return numbers;
  }

  public OptionalLong latestGeneration() {
    List<Long> numbers = generations();
    return numbers.isEmpty() ? OptionalLong.empty() : OptionalLong.of(numbers.get(numbers.size() - 1));
  }

  public DataManifest readDataManifest(int version) {
    Path path = layout.dataManifest(version);
    return Json.read(readString(path), DataManifest.class, path.toString());
  }

  /** The newest committed data version's manifest; fails with a hint when nothing was prepared yet. */
  public DataManifest readLatestDataManifest() {
    OptionalInt version = latestDataVersion();
    if (version.isEmpty()) {
      throw new StoreException("Store " + uri + " holds no prepared data yet. Run `lethe prepare --store " + uri
          + "` first.");
    }
    return readDataManifest(version.getAsInt());
  }

  public GenerationManifest readGeneration(long number) {
    Path path = layout.generation(number);
    return Json.read(readString(path), GenerationManifest.class, path.toString());
  }

  /** The generation served now; fails with a hint when nothing was trained yet. */
  public GenerationManifest readServedGeneration() {
    OptionalLong number = latestGeneration();
    if (number.isEmpty()) {
      throw new StoreException("Store " + uri + " has no trained generation yet. Run `lethe train --store " + uri
          + "` first.");
    }
    return readGeneration(number.getAsLong());
  }

  /**
   * The newest generation published with idempotency key {@code key}, if any: a step that publishes a generation
   * looks for its own key first, so running it again after a crash publishes nothing twice.
   */
  public java.util.Optional<GenerationManifest> generationWithKey(String key) {
    List<Long> numbers = generations();
    for (int i = numbers.size() - 1; i >= 0; i--) {
      GenerationManifest g = readGeneration(numbers.get(i));
      if (key.equals(g.key())) {
        return java.util.Optional.of(g);
      }
    }
    return java.util.Optional.empty();
  }

  /** Publishes a generation: after this one atomic step, predictions use it. */
  public void commitGeneration(GenerationManifest generation) {
    commitNewFile(layout.generation(generation.number()), Json.write(generation).getBytes(StandardCharsets.UTF_8),
        false);
    LOG.info("Published generation {} ({}): {} of {} shards served", generation.number(), generation.reason(),
        generation.servedShards().size(), generation.shards().size());
  }

  /** Lists a directory; a missing directory is empty. */
  public List<FileStatus> list(Path dir) {
    try {
      return fs.exists(dir) ? List.of(fs.listStatus(dir)) : List.of();
    } catch (IOException e) {
      throw new StoreException("Cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The names in a directory (a missing one is empty), for callers that need names only. A local file system's
   * listing stats every entry (and its checksum file): finding the newest of 10^4 audit-chain links that way cost
   * more than the rest of an acknowledgement, so there the names are read from the directory alone.
   */
  public List<String> listNames(Path dir) {
    if (fs instanceof LocalFileSystem local) {
      String[] names = local.pathToFile(dir).list();
      List<String> kept = new ArrayList<>();
      for (String name : names == null ? new String[0] : names) {
        if (!ChecksumFileSystem.isChecksumFile(new Path(name))) {
          kept.add(name);
        }
      }
      return kept;
    }
    return list(dir).stream().map(status -> status.getPath().getName()).toList();
  }

  /** The store's identity file. */
  public record StoreInfo(int formatVersion, String createdAt) {}
}
