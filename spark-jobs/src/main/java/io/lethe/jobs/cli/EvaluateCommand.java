package io.lethe.jobs.cli;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.predict.EvaluateJob;
import io.lethe.jobs.predict.Evaluation;
import io.lethe.store.Json;
import io.lethe.store.LetheStore;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lethe evaluate}: test accuracy of the ensemble and of each shard. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = {"Score the test split with the served generation and report the accuracy of the ensemble",
        "(every aggregation strategy) and of each shard model; --baseline also trains one model on all data."})
final class EvaluateCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--baseline", description = "Also train and evaluate the monolithic model (same spec/epochs).")
  boolean baseline;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the evaluation as JSON to FILE.")
  File json;

  @Override
  public Integer call() throws IOException {
    LetheSettings settings = common.settings(List.of());
    SparkSession spark = CommonOptions.spark(settings);
    LetheStore store = CommonOptions.openExistingStore(spark, settings);
    Evaluation evaluation = EvaluateJob.run(spark, store, settings, baseline);
    print(spec.commandLine().getOut(), evaluation);
    if (json != null) {
      Files.writeString(json.toPath(), Json.write(evaluation), StandardCharsets.UTF_8);
    }
    return 0;
  }

  static void print(PrintWriter out, Evaluation e) {
    out.printf("Generation %d, data version %d, %d test rows%n", e.generation(), e.dataVersion(), e.testRows());
    e.ensembleAccuracy().forEach((strategy, accuracy) ->
        out.printf("  ensemble %-14s accuracy %.4f%n", strategy, accuracy));
    for (Evaluation.ShardAccuracy s : e.shards()) {
      out.printf("  shard %-3d (slice %d, %d rows)  accuracy %.4f%n", s.shard(), s.servedSlice(), s.trainRows(),
          s.accuracy());
    }
    if (e.baseline() != null) {
      out.printf("  monolithic baseline (%d rows, %d epochs, %.1f s) accuracy %.4f%n", e.baseline().trainRows(),
          e.baseline().epochs(), e.baseline().trainSeconds(), e.baseline().accuracy());
    }
  }
}
