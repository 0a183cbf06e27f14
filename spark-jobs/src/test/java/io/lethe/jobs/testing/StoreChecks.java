package io.lethe.jobs.testing;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.forget.ForgetJournal;
import io.lethe.jobs.train.TrainJob;
import io.lethe.prep.ExamplesReader;
import io.lethe.store.DataManifest;
import io.lethe.store.GenerationManifest;
import io.lethe.store.IdIndex;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Whether a store holds anything that nothing committed accounts for: the bytes a crashed writer may leave behind
 * once recovery is over. Works on any Hadoop file system. An orphan is
 * <ul>
 *   <li>a writer lock (or a lock moved aside by a take-over), or anything in {@code staging/};</li>
 *   <li>under {@code data/}, a file that no committed data manifest names (Spark's empty {@code _SUCCESS} markers
 *       excepted);</li>
 *   <li>a checkpoint zip without its provenance or the reverse, or a checkpoint no generation names;</li>
 *   <li>a record-id set no stored checkpoint's provenance names;</li>
 *   <li>a file in {@code models/gen/} that is not a generation, metrics of a generation that was never committed;</li>
 *   <li>a ledger submission without its sidecar, a batch folder without any journal entry, a request-id index
 *       run of a submission that was never committed.</li>
 * </ul>
 * A local file system's checksum files ({@code .NAME.crc}) count as part of {@code NAME}.
 */
public final class StoreChecks {
  private StoreChecks() {}

  /** Every orphan in {@code store}, as "path: why"; empty when there is none. */
  public static List<String> orphans(LetheStore store) {
    List<String> found = new ArrayList<>();
    StoreLayout layout = store.layout();
    for (Path file : files(store, layout.metaDir())) {
      if (!file.getName().equals(layout.storeInfo().getName())) {
        found.add(file + ": " + (file.getName().startsWith("lock") ? "a writer lock left behind" : "unknown file"));
      }
    }
    for (FileStatus leftover : store.list(layout.stagingDir())) {
      found.add(leftover.getPath() + ": staged write left behind");
    }
    checkData(store, found);
    Set<String> named = checkGenerations(store, found);
    Set<String> idSets = checkCheckpoints(store, named, found);
    for (Path file : files(store, layout.recordIdSetsDir())) {
      String sha = strip(file.getName(), ".txt");
      if (sha == null || !idSets.contains(sha)) {
        found.add(file + ": record-id set no stored checkpoint names");
      }
    }
    checkLedger(store, found);
    return found;
  }

  private static void checkData(LetheStore store, List<String> found) {
    Set<Path> referenced = new HashSet<>();
    for (int version : store.dataVersions()) {
      DataManifest manifest = store.readDataManifest(version);
      referenced.add(qualified(store, store.layout().dataManifest(version)));
      manifest.partitions().forEach(p -> p.files().forEach(f -> referenced.add(qualified(store,
          ExamplesReader.resolve(store, f)))));
      if (manifest.test() != null) {
        manifest.test().files().forEach(f -> referenced.add(qualified(store, ExamplesReader.resolve(store, f))));
      }
      if (manifest.idIndex() != null) {
        referenced.add(qualified(store, IdIndex.resolve(store, manifest.idIndex())));
      }
    }
    for (Path file : files(store, store.layout().dataDir())) {
      if (!file.getName().equals("_SUCCESS") && !referenced.contains(qualified(store, file))) {
        found.add(file + ": data file no committed data manifest names");
      }
    }
  }

  /** Checks {@code models/gen} and the metrics; returns every checkpoint some generation names. */
  private static Set<String> checkGenerations(LetheStore store, List<String> found) {
    Set<String> named = new HashSet<>();
    Set<Long> generations = new HashSet<>(store.generations());
    for (long number : generations) {
      GenerationManifest generation = store.readGeneration(number);
      named.addAll(generation.checkpoints());
    }
    for (Path file : files(store, store.layout().generationsDir())) {
      if (generations.stream().map(n -> qualified(store, store.layout().generation(n))).noneMatch(
          qualified(store, file)::equals)) {
        found.add(file + ": not a generation manifest");
      }
    }
    for (FileStatus metrics : store.list(store.layout().metricsDir())) {
      boolean committed = generations.stream().anyMatch(n -> qualified(store, TrainJob.metricsPath(store, n))
          .equals(qualified(store, metrics.getPath())));
      if (!committed) {
        found.add(metrics.getPath() + ": metrics of a generation that was never committed");
      }
    }
    return named;
  }

  /** Checks {@code models/ckpt}; returns every record-id set that a stored checkpoint's provenance names. */
  private static Set<String> checkCheckpoints(LetheStore store, Set<String> named, List<String> found) {
    Set<String> zips = new HashSet<>();
    Set<String> provenances = new HashSet<>();
    for (Path file : files(store, store.layout().checkpointsDir())) {
      String zip = strip(file.getName(), ".zip");
      String json = strip(file.getName(), ".json");
      if (zip != null) {
        zips.add(zip);
      } else if (json != null) {
        provenances.add(json);
      } else {
        found.add(file + ": not a checkpoint or its provenance");
      }
    }
    Set<String> idSets = new HashSet<>();
    CheckpointRepository checkpoints = new CheckpointRepository(store);
    for (String sha : zips) {
      if (!provenances.contains(sha)) {
        found.add(store.layout().checkpointZip(sha) + ": checkpoint without its provenance");
      }
    }
    for (String sha : provenances) {
      if (!zips.contains(sha)) {
        found.add(store.layout().checkpointProvenance(sha) + ": provenance without its checkpoint");
      }
      idSets.addAll(checkpoints.loadProvenance(sha).sliceRecordIdsSha256());
    }
    for (String sha : zips) {
      if (!named.contains(sha)) {
        found.add(store.layout().checkpointZip(sha) + ": checkpoint no generation names");
      }
    }
    return idSets;
  }

  private static void checkLedger(LetheStore store, List<String> found) {
    for (FileStatus submission : store.list(new Path(store.layout().ledgerDir(), "requests"))) {
      if (!store.exists(new Path(submission.getPath(), "_submission.json"))) {
        found.add(submission.getPath() + ": ledger submission without its _submission.json (never committed)");
      }
    }
    for (FileStatus run : store.list(new Path(store.layout().ledgerDir(), "index"))) {
      String name = run.getPath().getName();
      int at = name.indexOf("-s-");
      if (at > 0 && name.endsWith(".parquet") && !store.exists(new Path(new Path(store.layout().ledgerDir(),
          "requests"), name.substring(at + 3, name.length() - ".parquet".length())))) {
        found.add(run.getPath() + ": request-id index run of a submission that was never committed");
      }
    }
    for (String batchId : ForgetJournal.batchIds(store)) {
      if (new ForgetJournal(store, batchId).entries().isEmpty()) {
        found.add(ForgetJournal.batchDir(store, batchId) + ": forget batch without any journal entry");
      }
    }
  }

  /** Regular files under {@code dir}, recursively, without checksum files whose file exists. */
  private static List<Path> files(LetheStore store, Path dir) {
    List<Path> files = new ArrayList<>();
    try {
      if (!store.fs().exists(dir)) {
        return files;
      }
      Set<String> all = new HashSet<>();
      List<Path> listed = new ArrayList<>();
      RemoteIterator<LocatedFileStatus> it = store.fs().listFiles(dir, true);
      while (it.hasNext()) {
        Path path = it.next().getPath();
        listed.add(path);
        all.add(path.toString());
      }
      for (Path path : listed) {
        String name = path.getName();
        boolean checksum = name.startsWith(".") && name.endsWith(".crc")
            && all.contains(new Path(path.getParent(), name.substring(1, name.length() - 4)).toString());
        if (!checksum) {
          files.add(path);
        }
      }
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir, e);
    }
  }

  private static Path qualified(LetheStore store, Path path) {
    return store.fs().makeQualified(path);
  }

  private static String strip(String name, String suffix) {
    return name.endsWith(suffix) ? name.substring(0, name.length() - suffix.length()) : null;
  }
}
