package io.lethe.jobs.cli;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.report.ReportJob;
import io.lethe.store.LetheStore;
import java.io.File;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lethe report}: an HTML page with charts of accuracy, training and forgetting. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"Write a self-contained HTML page (report.html, charts embedded) and its charts as PNG files:",
        "test accuracy of the ensemble and each shard, training curves per slice, each forget batch's timeline",
        "from request to completion, and its speed-up against full retraining."})
final class ReportCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--output", paramLabel = "DIR", required = true,
      description = "Local folder for report.html and the PNG files (created if missing; files of an earlier"
          + " report there are replaced).")
  File output;

  @Option(names = "--capacity", paramLabel = "FILE",
      description = "Also draw the deletion-capacity curves of this lethe bench capacity result (JSON).")
  File capacity;

  @Option(names = "--scale", paramLabel = "FILE",
      description = "Also draw how the steps of this lethe bench scale result (JSON) grow with the rows.")
  File scale;

  @Override
  public Integer call() {
    LetheSettings settings = common.settings(List.of());
    SparkSession spark = CommonOptions.spark(settings);
    LetheStore store = CommonOptions.openExistingStore(spark, settings);
    ReportJob.Outcome outcome = ReportJob.run(spark, store, settings, output.toPath(),
        capacity == null ? null : capacity.toPath(), scale == null ? null : scale.toPath());
    PrintWriter out = spec.commandLine().getOut();
    out.printf("Wrote %s: generation %d, %d chart(s), %d forget batch(es)%n", outcome.page(), outcome.generation(),
        outcome.charts().size(), outcome.batches());
    return 0;
  }
}
