package io.lethe.jobs.forget;

import static org.apache.parquet.filter2.predicate.FilterApi.binaryColumn;
import static org.apache.parquet.filter2.predicate.FilterApi.in;

import io.lethe.models.CheckpointCodec;
import io.lethe.store.Json;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.conf.HadoopParquetConfiguration;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger's request-id index: which request ids the ledger already holds, answered without reading every
 * submission, so that an acknowledgement costs about the same with one submission or ten thousand. It is derived
 * data in {@code ledger/index/}, rebuilt from the submissions whenever it cannot be trusted, and it is never the
 * record: the submissions are.
 *
 * <p>It is a set of <em>runs</em>: Parquet files of (request_id, submission_id) sorted by request_id, with row-group
 * statistics and a bloom filter on request_id, so a lookup reads a footer and a filter per run. Each acknowledgement
 * commits a run of its own new ids ({@code L<k>-s-<submission>.parquet}) <em>before</em> its submission is renamed
 * into the ledger; ten runs of one size class (k = floor(log10 ids)) are merged into one
 * ({@code L<k'>-m-<hash>.parquet}), so there are at most about ten runs per decade of the ledger's size.
 * {@code _built.json} says that every submission committed before it was indexed; without it (a store from before
 * the index, an interrupted build, an index removed by {@code lethe repair}) the next writer rebuilds the index from
 * the submissions before looking anything up.
 *
 * <p>Crashes: a run committed for a submission that was then never committed names a submission that does not
 * exist; the next writer, holding the lock (so no commit is in flight), deletes it before any lookup, and
 * {@code lethe resume} does too. A merge interrupted after its output was committed leaves the output beside some of
 * its inputs: ids held twice, never missed. So a crash can neither lose an acknowledged request (only committed
 * submissions' runs are kept) nor let a re-submitted one be processed twice (every committed submission has a run).
 */
public final class RequestIdIndex {
  private static final Logger LOG = LoggerFactory.getLogger(RequestIdIndex.class);
  /** Runs of one size class merged at a time. */
  static final int FANOUT = 10;
  static final String BUILT = "_built.json";
  private static final String REQUEST_ID = RequestReader.REQUEST_ID;
  private static final String SUBMISSION_ID = Ledger.SUBMISSION_ID;
  private static final Pattern RUN = Pattern.compile("L(\\d{2})-([sm])-(.+)\\.parquet");
  private static final int ROW_GROUP_BYTES = 1 << 20;
  /** About the ids of one row group: the bloom filter is sized for it (1% false positives). */
  private static final int IDS_PER_ROW_GROUP = 50_000;

  static final MessageType SCHEMA = Types.buildMessage()
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(REQUEST_ID)
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(SUBMISSION_ID)
      .named("spark_schema");
  private static final StructType SPARK_SCHEMA = new StructType()
      .add(REQUEST_ID, DataTypes.StringType, false)
      .add(SUBMISSION_ID, DataTypes.StringType, false);

  private final LetheStore store;

  public RequestIdIndex(LetheStore store) {
    this.store = store;
  }

  /** One run: its level (size class) and, for the run of one acknowledgement, that submission's id. */
  record Run(Path path, int level, String submission) {
    boolean ofOneSubmission() {
      return submission != null;
    }
  }

  /** What {@code _built.json} records. */
  record Built(String builtAt, long submissions) {}

  public Path dir() {
    return new Path(store.layout().ledgerDir(), "index");
  }

  Path builtMarker() {
    return new Path(dir(), BUILT);
  }

  private Path submissionDir(String submission) {
    return new Path(Ledger.requestsDir(store), submission);
  }

  /** The runs, by name. */
  List<Run> runs() {
    List<Run> runs = new ArrayList<>();
    for (FileStatus status : store.list(dir())) {
      Matcher m = RUN.matcher(status.getPath().getName());
      if (status.isFile() && m.matches()) {
        runs.add(new Run(status.getPath(), Integer.parseInt(m.group(1)), m.group(2).equals("s") ? m.group(3)
            : null));
      }
    }
    runs.sort(Comparator.comparing(r -> r.path().getName()));
    return runs;
  }

  /**
   * Makes the index trustworthy for a lookup: builds it if it is not built, and deletes the runs of submissions
   * that were never committed. The caller holds the store lock.
   */
  public void prepare() {
    if (!store.exists(builtMarker())) {
      rebuild();
      return;
    }
    removeUncommittedRuns();
  }

  /**
   * Deletes each run written for a submission that was never committed (its writer died between the two
   * commits); returns how many. The caller holds the store lock, so no commit is in flight.
   */
  public int removeUncommittedRuns() {
    int removed = 0;
    for (Run run : runs()) {
      if (run.ofOneSubmission() && !store.exists(submissionDir(run.submission()))) {
        LOG.info("Removing request-id index run {}: its submission was never committed", run.path().getName());
        store.deleteIfExists(run.path());
        removed++;
      }
    }
    return removed;
  }

  /** Which of {@code wanted} the ledger holds. Call {@link #prepare()} first. */
  public Set<String> known(Set<String> wanted) {
    Set<String> known = new HashSet<>();
    if (wanted.isEmpty()) {
      return known;
    }
    FilterCompat.Filter filter = FilterCompat.get(in(binaryColumn(REQUEST_ID),
        wanted.stream().map(Binary::fromString).collect(Collectors.toSet())));
    for (Run run : runs()) {
      read(run.path(), filter, row -> known.add(row.getString(REQUEST_ID, 0)));
    }
    return known;
  }

  /** Every indexed request id as a Dataset (column request_id), or null when the index is empty. */
  public Dataset<Row> ids(SparkSession spark) {
    List<Run> runs = runs();
    if (runs.isEmpty()) {
      return null;
    }
    return spark.read().schema(SPARK_SCHEMA).parquet(runs.stream().map(r -> r.path().toString())
        .toArray(String[]::new)).select(REQUEST_ID);
  }

  /**
   * Commits the run of a submission's request ids. Call it before the submission itself is committed: a
   * committed submission must never be missing from the index.
   */
  public void addRun(String submission, Collection<String> requestIds) {
    List<String> sorted = requestIds.stream().distinct().sorted().toList();
    Path staged = new Path(store.newStagingDir("index"), "run.parquet");
    write(staged, sorted.size(), writer -> sorted.forEach(id -> writer.accept(new String[] {id, submission})));
    commitStaged(staged, runName(level(sorted.size()), "s", submission));
  }

  /**
   * Commits a run that Spark wrote (one Parquet file with columns request_id and submission_id, sorted by
   * request_id) for a submission of {@code ids} requests; as {@link #addRun}, before the submission is committed.
   */
  public void commitRun(String submission, Path stagedFile, long ids) {
    commitStaged(stagedFile, runName(level(ids), "s", submission));
  }

  /** Hadoop options that make Spark write a run as {@link #write} does. */
  public static java.util.Map<String, String> sparkWriteOptions(long ids) {
    return java.util.Map.of(
        "parquet.block.size", Integer.toString(ROW_GROUP_BYTES),
        "parquet.bloom.filter.enabled#" + REQUEST_ID, "true",
        "parquet.bloom.filter.expected.ndv#" + REQUEST_ID, Long.toString(bloomIds(ids)));
  }

  private void commitStaged(Path staged, String name) {
    store.commitRename(staged, new Path(dir(), name));
    store.deleteIfExists(staged.getParent());
  }

  /**
   * Merges runs of one size class, ten at a time, until no class holds ten; the caller holds the store lock and
   * has removed uncommitted runs (so merged runs hold committed submissions only).
   */
  public void compact() {
    while (true) {
      List<Run> runs = runs();
      List<Run> full = null;
      for (int level = 0; level < 100 && full == null; level++) {
        int l = level;
        List<Run> ofLevel = runs.stream().filter(r -> r.level() == l).toList();
        if (ofLevel.size() >= FANOUT) {
          full = ofLevel.subList(0, FANOUT);
        }
      }
      if (full == null) {
        return;
      }
      merge(full);
    }
  }

  /** One streaming k-way merge of sorted runs into a fresh run; the inputs are deleted once it is committed. */
  private void merge(List<Run> inputs) {
    String name = CheckpointCodec.sha256Hex(inputs.stream().map(r -> r.path().getName())
        .collect(Collectors.joining("\n")).getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    // Named by its inputs, so a merge killed before deleting them is not done twice.
    boolean done = runs().stream().anyMatch(r -> r.path().getName().endsWith("-m-" + name + ".parquet"));
    if (!done) {
      Path staged = new Path(store.newStagingDir("index"), "run.parquet");
      long[] count = {0};
      List<ParquetReader<Group>> readers = new ArrayList<>();
      try {
        record Head(Group row, int reader) {}
        PriorityQueue<Head> heads = new PriorityQueue<>(Comparator.comparing(h -> h.row().getString(REQUEST_ID, 0)));
        for (Run run : inputs) {
          ParquetReader<Group> reader = reader(run.path(), FilterCompat.NOOP);
          readers.add(reader);
          Group first = reader.read();
          if (first != null) {
            heads.add(new Head(first, readers.size() - 1));
          }
        }
        // Inputs of size class k hold fewer than 10^(k+1) ids each: the bloom filter is sized for that bound.
        long bound = inputs.size() * (long) Math.pow(10, 1 + inputs.stream().mapToInt(Run::level).max().orElse(0));
        write(staged, bound, writer -> {
          while (!heads.isEmpty()) {
            Head head = heads.poll();
            writer.accept(new String[] {head.row().getString(REQUEST_ID, 0), head.row().getString(SUBMISSION_ID, 0)});
            count[0]++;
            Group next = readNext(readers.get(head.reader()), inputs.get(head.reader()).path());
            if (next != null) {
              heads.add(new Head(next, head.reader()));
            }
          }
        });
      } catch (IOException e) {
        throw new StoreException("Cannot merge request-id index runs " + inputs + ": " + e.getMessage(), e);
      } finally {
        for (ParquetReader<Group> reader : readers) {
          try {
            reader.close();
          } catch (IOException e) {
            LOG.warn("Cannot close {}", reader, e);
          }
        }
      }
      commitStaged(staged, runName(level(count[0]), "m", name));
    }
    for (Run run : inputs) {
      store.deleteIfExists(run.path());
    }
  }

  /**
   * Rebuilds the index from every submission in the ledger: the marker goes first (so the index is not trusted
   * while it is rebuilt), then the runs; the marker is written last. The caller holds the store lock.
   *
   * @return the number of submissions indexed
   */
  public long rebuild() {
    long started = System.nanoTime();
    store.deleteIfExists(builtMarker());
    store.deleteIfExists(dir());
    long submissions = 0;
    for (FileStatus submission : store.list(Ledger.requestsDir(store))) {
      if (!submission.isDirectory()) {
        continue;
      }
      List<String> ids = new ArrayList<>();
      readSubmission(submission.getPath(), ids::add);
      addRun(submission.getPath().getName(), ids);
      compact();
      submissions++;
    }
    store.commitNewFile(builtMarker(), Json.write(new Built(store.clock().instant().toString(), submissions))
        .getBytes(StandardCharsets.UTF_8), false);
    LOG.info("Built the ledger's request-id index from {} submission(s) in {} s", submissions,
        String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9));
    return submissions;
  }

  /**
   * For {@code lethe verify}: each committed submission with request ids the index does not hold (a re-submission
   * of them would be acknowledged again), as one line each. Empty when the index is not built yet (the next writer
   * builds it). Reads every submission and run.
   */
  public List<String> check() {
    List<String> findings = new ArrayList<>();
    if (!store.exists(builtMarker())) {
      return findings;
    }
    Set<String> indexed = new HashSet<>();
    for (Run run : runs()) {
      read(run.path(), FilterCompat.NOOP, row -> indexed.add(row.getString(REQUEST_ID, 0)));
    }
    for (FileStatus submission : store.list(Ledger.requestsDir(store))) {
      if (!submission.isDirectory()) {
        continue;
      }
      List<String> missing = new ArrayList<>();
      readSubmission(submission.getPath(), id -> {
        if (!indexed.contains(id)) {
          missing.add(id);
        }
      });
      if (!missing.isEmpty()) {
        findings.add("submission " + submission.getPath().getName() + ": " + missing.size() + " request id(s) are"
            + " not in the request-id index (first: '" + missing.get(0) + "'), so a re-submission of them would be"
            + " acknowledged and processed again; run `lethe repair` to rebuild the index");
      }
    }
    return findings;
  }

  /** The request ids of one submission directory, read from its Parquet files. */
  private void readSubmission(Path submission, Consumer<String> sink) {
    for (FileStatus part : store.list(submission)) {
      String name = part.getPath().getName();
      if (part.isFile() && !name.startsWith("_") && !name.startsWith(".") && name.endsWith(".parquet")) {
        read(part.getPath(), FilterCompat.NOOP, row -> sink.accept(row.getString(REQUEST_ID, 0)));
      }
    }
  }

  private void read(Path file, FilterCompat.Filter filter, Consumer<Group> sink) {
    try (ParquetReader<Group> reader = reader(file, filter)) {
      for (Group row = reader.read(); row != null; row = reader.read()) {
        sink.accept(row);
      }
    } catch (IOException e) {
      throw new StoreException("Cannot read " + file + ": " + e.getMessage() + ". If it is part of the request-id"
          + " index, run `lethe repair` to rebuild the index.", e);
    }
  }

  private ParquetReader<Group> reader(Path file, FilterCompat.Filter filter) throws IOException {
    return new GroupReaderBuilder(HadoopInputFile.fromPath(file, store.fs().getConf()),
        new HadoopParquetConfiguration(store.fs().getConf())).withFilter(filter).build();
  }

  /**
   * Reads rows as {@link Group}s with the store's Hadoop configuration. {@code ParquetReader.builder(support, path)}
   * would make a fresh {@code Configuration} per file and parse Hadoop's default XML resources again: that alone
   * cost tens of milliseconds per file read.
   */
  private static final class GroupReaderBuilder extends ParquetReader.Builder<Group> {
    GroupReaderBuilder(HadoopInputFile file, HadoopParquetConfiguration conf) {
      super(file, conf);
    }

    @Override
    protected org.apache.parquet.hadoop.api.ReadSupport<Group> getReadSupport() {
      return new GroupReadSupport();
    }
  }

  private static Group readNext(ParquetReader<Group> reader, Path file) {
    try {
      return reader.read();
    } catch (IOException e) {
      throw new StoreException("Cannot read request-id index run " + file + ": " + e.getMessage(), e);
    }
  }

  private void write(Path file, long ids, Consumer<Consumer<String[]>> rows) {
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer = ExampleParquetWriter
        .builder(HadoopOutputFile.fromPath(file, store.fs().getConf()))
        .withConf(store.fs().getConf())
        .withType(SCHEMA)
        .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
        .withWriteMode(ParquetFileWriter.Mode.CREATE)
        .withRowGroupSize(ROW_GROUP_BYTES)
        .withBloomFilterEnabled(REQUEST_ID, true)
        .withBloomFilterNDV(REQUEST_ID, bloomIds(ids))
        .build()) {
      rows.accept(row -> {
        try {
          writer.write(groups.newGroup().append(REQUEST_ID, row[0]).append(SUBMISSION_ID, row[1]));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new StoreException("Cannot write request-id index run " + file + ": " + e.getMessage(), e);
    }
  }

  private static long bloomIds(long ids) {
    return Math.max(1, Math.min(ids, IDS_PER_ROW_GROUP));
  }

  /** The size class of a run of {@code ids} ids: floor(log10). */
  static int level(long ids) {
    return ids < 10 ? 0 : 1 + level(ids / 10);
  }

  private static String runName(int level, String kind, String id) {
    return String.format(Locale.ROOT, "L%02d-%s-%s.parquet", level, kind, id);
  }
}
