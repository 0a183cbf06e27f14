package io.lethe.jobs.forget;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.lethe.prep.ExampleSchema;
import io.lethe.prep.ExamplesReader;
import io.lethe.store.DataManifest;
import io.lethe.store.IdIndex;
import io.lethe.store.LetheStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ROUTED step's search: where the rows of a batch's requests are, committed as the batch's routing. A batch of
 * at most {@code lethe.forget.index-lookup-max-ids} requests on a data version with an id index ({@link IdIndex})
 * is routed in the driver by index lookups, which read a few row groups of one file and start no Spark job. A
 * larger batch is routed by one Spark join of its requests with the index (ids only), and a version without an
 * index (stores written before it existed) by one join with all its examples and its test split.
 */
final class Routing {
  private static final Logger LOG = LoggerFactory.getLogger(Routing.class);

  /** How a batch was routed; recorded in the ROUTED step. */
  enum Method {
    INDEX_LOOKUP("index-lookup"), INDEX_JOIN("index-join"), EXAMPLES_JOIN("examples-join");

    private final String configName;

    Method(String configName) {
      this.configName = configName;
    }

    String configName() {
      return configName;
    }
  }

  /** Where the batch's rows are, as the ROUTED step records it. */
  record Summary(Method method, Map<Integer, Map<Integer, Long>> deletedRows, long trainRows, long testRows,
      long notFound) {}

  private final Supplier<SparkSession> spark;
  private final LetheStore store;
  private final Ledger ledger;
  private final int lookupMaxIds;

  Routing(Supplier<SparkSession> spark, LetheStore store, Ledger ledger, int lookupMaxIds) {
    this.spark = spark;
    this.store = store;
    this.ledger = ledger;
    this.lookupMaxIds = lookupMaxIds;
  }

  /** The method a batch of {@code requests} requests on {@code data} is routed by. */
  Method methodFor(long requests, DataManifest data) {
    if (data.idIndex() == null) {
      return Method.EXAMPLES_JOIN;
    }
    return requests <= lookupMaxIds ? Method.INDEX_LOOKUP : Method.INDEX_JOIN;
  }

  /** Routes the batch against {@code data} and commits its routing, unless a run before the crash did. */
  Summary route(ForgetJournal journal, DataManifest data) {
    String batchId = journal.batchId();
    long requests = journal.result(StepResult.Acknowledged.class).requests();
    Method method = methodFor(requests, data);
    if (!store.exists(ledger.routedPath(batchId))) {
      long start = System.nanoTime();
      if (method == Method.INDEX_LOOKUP) {
        ledger.commitRouted(batchId, lookup(journal, data));
      } else {
        ledger.commitRouted(batchId, join(journal, method == Method.INDEX_JOIN ? indexRows(data)
            : exampleRows(data)));
      }
      LOG.info("Forget batch {}: routed {} request(s) by {} in {} s", batchId, requests, method.configName(),
          String.format(java.util.Locale.ROOT, "%.2f", (System.nanoTime() - start) / 1e9));
    }
    return method == Method.INDEX_LOOKUP ? summarize(method, ledger.routedRows(batchId))
        : summarize(method, ledger.routed(batchId));
  }

  /** The routing of the batch's requests by lookups in the index of {@code data}. */
  List<Ledger.RoutedRow> lookup(ForgetJournal journal, DataManifest data) {
    List<Ledger.Request> members = ledger.requestList(ForgetJournal.submissions(journal));
    Set<String> recordIds = new HashSet<>();
    Set<String> subjectIds = new HashSet<>();
    for (Ledger.Request r : members) {
      (RequestReader.RECORD.equals(r.idKind()) ? recordIds : subjectIds).add(r.id());
    }
    IdIndex.Lookup found = IdIndex.lookup(store, data.idIndex(), recordIds, subjectIds);
    LOG.info("Forget batch {}: the id index of data version {} answered {} id(s) from {} of its {} row group(s)",
        journal.batchId(), data.version(), recordIds.size() + subjectIds.size(), found.rowGroupsRead(),
        found.rowGroups());
    Map<String, List<IdIndex.Entry>> byRecord = new HashMap<>();
    Map<String, List<IdIndex.Entry>> bySubject = new HashMap<>();
    for (IdIndex.Entry e : found.entries()) {
      if (recordIds.contains(e.recordId())) {
        byRecord.computeIfAbsent(e.recordId(), k -> new ArrayList<>()).add(e);
      }
      if (subjectIds.contains(e.subjectId())) {
        bySubject.computeIfAbsent(e.subjectId(), k -> new ArrayList<>()).add(e);
      }
    }
    List<Ledger.RoutedRow> rows = new ArrayList<>();
    for (Ledger.Request r : members) {
      List<IdIndex.Entry> matches = (RequestReader.RECORD.equals(r.idKind()) ? byRecord : bySubject)
          .getOrDefault(r.id(), List.of());
      if (matches.isEmpty()) {
        rows.add(new Ledger.RoutedRow(r.requestId(), r.idKind(), r.id(), null, null, null, null, null));
      }
      for (IdIndex.Entry e : matches) {
        rows.add(new Ledger.RoutedRow(r.requestId(), r.idKind(), r.id(), e.recordId(), e.subjectId(),
            e.inTestSplit() ? ForgetJob.TEST : ForgetJob.TRAIN, e.shard(), e.slice()));
      }
    }
    return rows;
  }

  /** (record_id, subject_id, shard, slice, split) of every example, from the version's index (ids only). */
  private Dataset<Row> indexRows(DataManifest data) {
    return spark.get().read().parquet(IdIndex.resolve(store, data.idIndex()).toString())
        .select(col(IdIndex.RECORD_ID), col(IdIndex.SUBJECT_ID), col(IdIndex.SHARD), col(IdIndex.SLICE),
            when(col(IdIndex.SHARD).equalTo(IdIndex.TEST), lit(ForgetJob.TEST)).otherwise(lit(ForgetJob.TRAIN))
                .as(ForgetJob.SPLIT));
  }

  /** The same, read from the version's examples and test split: for versions without an index. */
  private Dataset<Row> exampleRows(DataManifest data) {
    Dataset<Row> rows = ExamplesReader.examples(spark.get(), store, data)
        .select(col(ExampleSchema.RECORD_ID), col(ExampleSchema.SUBJECT_ID), col(ExampleSchema.SHARD),
            col(ExampleSchema.SLICE), lit(ForgetJob.TRAIN).as(ForgetJob.SPLIT));
    if (data.test() != null) {
      rows = rows.unionByName(ExamplesReader.testSplit(spark.get(), store, data)
          .select(col(ExampleSchema.RECORD_ID), col(ExampleSchema.SUBJECT_ID), lit(IdIndex.TEST)
              .as(ExampleSchema.SHARD), lit(IdIndex.TEST).as(ExampleSchema.SLICE), lit(ForgetJob.TEST)
              .as(ForgetJob.SPLIT)));
    }
    return rows;
  }

  /** The routing of the batch's requests by one Spark join with {@code rows}. */
  private Dataset<Row> join(ForgetJournal journal, Dataset<Row> rows) {
    Dataset<Row> members = ledger.requests(ForgetJournal.submissions(journal))
        .select(RequestReader.REQUEST_ID, RequestReader.ID_KIND, RequestReader.ID);
    Dataset<Row> byRecord = members.filter(col(RequestReader.ID_KIND).equalTo(RequestReader.RECORD))
        .join(rows, members.col(RequestReader.ID).equalTo(rows.col(ExampleSchema.RECORD_ID)));
    Dataset<Row> bySubject = members.filter(col(RequestReader.ID_KIND).equalTo(RequestReader.SUBJECT))
        .join(rows, members.col(RequestReader.ID).equalTo(rows.col(ExampleSchema.SUBJECT_ID)));
    Dataset<Row> matched = byRecord.unionByName(bySubject).select(col(RequestReader.REQUEST_ID),
        col(RequestReader.ID_KIND), col(RequestReader.ID), col(ExampleSchema.RECORD_ID),
        col(ExampleSchema.SUBJECT_ID), col(ForgetJob.SPLIT), col(ExampleSchema.SHARD), col(ExampleSchema.SLICE));
    Dataset<Row> found = matched.select(col(RequestReader.REQUEST_ID).as("found_request_id")).distinct();
    Dataset<Row> unmatched = members.join(found, col(RequestReader.REQUEST_ID).equalTo(col("found_request_id")),
            "left_anti")
        .select(col(RequestReader.REQUEST_ID), col(RequestReader.ID_KIND), col(RequestReader.ID),
            lit(null).cast(DataTypes.StringType).as(ExampleSchema.RECORD_ID),
            lit(null).cast(DataTypes.StringType).as(ExampleSchema.SUBJECT_ID),
            lit(null).cast(DataTypes.StringType).as(ForgetJob.SPLIT),
            lit(null).cast(DataTypes.IntegerType).as(ExampleSchema.SHARD),
            lit(null).cast(DataTypes.IntegerType).as(ExampleSchema.SLICE));
    return matched.unionByName(unmatched);
  }

  private static Summary summarize(Method method, List<Ledger.RoutedRow> rows) {
    Map<Integer, Map<Integer, Long>> deletedRows = new TreeMap<>();
    long trainRows = 0;
    long testRows = 0;
    Set<String> notFound = new HashSet<>();
    for (Ledger.RoutedRow r : rows) {
      if (ForgetJob.TRAIN.equals(r.split())) {
        deletedRows.computeIfAbsent(r.shard(), s -> new TreeMap<>()).merge(r.slice(), 1L, Long::sum);
        trainRows++;
      } else if (ForgetJob.TEST.equals(r.split())) {
        testRows++;
      } else {
        notFound.add(r.requestId());
      }
    }
    return new Summary(method, deletedRows, trainRows, testRows, notFound.size());
  }

  /** One pass over a large routing: per split, shard and slice, the rows (distinct requests for not-found). */
  private static Summary summarize(Method method, Dataset<Row> routed) {
    Map<Integer, Map<Integer, Long>> deletedRows = new TreeMap<>();
    long trainRows = 0;
    long testRows = 0;
    long notFound = 0;
    for (Row r : routed.groupBy(col(ForgetJob.SPLIT), col(ExampleSchema.SHARD), col(ExampleSchema.SLICE))
        .agg(count(lit(1)), countDistinct(col(RequestReader.REQUEST_ID)))
        .collectAsList()) {
      String split = r.isNullAt(0) ? null : r.getString(0);
      if (ForgetJob.TRAIN.equals(split)) {
        deletedRows.computeIfAbsent(r.getInt(1), s -> new TreeMap<>()).put(r.getInt(2), r.getLong(3));
        trainRows += r.getLong(3);
      } else if (ForgetJob.TEST.equals(split)) {
        testRows += r.getLong(3);
      } else {
        notFound += r.getLong(4);
      }
    }
    return new Summary(method, deletedRows, trainRows, testRows, notFound);
  }
}
