package io.lethe.jobs.cli;

import static org.apache.spark.sql.functions.col;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.RequestStatus;
import io.lethe.store.LetheStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lethe requests}: deletion requests and their status. */
@Command(name = "requests", mixinStandardHelpOptions = true,
    description = {"List deletion requests with their status: received, routed, unlearned-in-serving,",
        "data-removed-and-purged, retrained, republished, completed, or not-found."})
final class RequestsCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--status", paramLabel = "STATUS", description = "Only requests with this status.")
  String status;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "Rows to show (default 50).")
  int limit;

  @Override
  public Integer call() {
    LetheSettings settings = common.settings(List.of());
    SparkSession spark = CommonOptions.spark(settings);
    LetheStore store = CommonOptions.openExistingStore(spark, settings);
    PrintWriter out = spec.commandLine().getOut();
    Dataset<Row> all = RequestStatus.all(spark, store).cache();
    Dataset<Row> shown = status == null ? all : all.filter(col("status").equalTo(status));
    out.printf("%-30s %-8s %-24s %-24s %s%n", "request_id", "kind", "id", "status", "received_at");
    for (Row r : shown.limit(limit).collectAsList()) {
      out.printf("%-30s %-8s %-24s %-24s %s%n", r.getString(0), r.getString(1), r.getString(2),
          r.getString(r.fieldIndex("status")), r.getString(r.fieldIndex("received_at")));
    }
    for (Row count : all.groupBy("status").count().orderBy("status").collectAsList()) {
      out.printf("%s: %d%n", count.getString(0), count.getLong(1));
    }
    return 0;
  }
}
