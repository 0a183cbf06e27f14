package io.lethe.jobs.cli;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.predict.EvaluateJob;
import io.lethe.jobs.predict.Evaluation;
import io.lethe.jobs.train.TrainJob;
import io.lethe.jobs.forget.Ledger;
import io.lethe.prep.PrepareJob;
import io.lethe.store.DataManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreLock;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lethe quickstart}: prepare, train and evaluate in one go (the README's first command). */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = {"Prepare the configured data (default: Fashion-MNIST from the Debian package), train all",
        "shards and print ensemble and per-shard test accuracy. Same as prepare, train, evaluate in a row."})
final class QuickstartCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Mixin DataOptions data;
  @Spec CommandSpec spec;

  @Option(names = "--baseline", description = "Also train and evaluate the monolithic model for comparison.")
  boolean baseline;

  @Override
  public Integer call() {
    LetheSettings settings = common.settings(data.overrides());
    SparkSession spark = CommonOptions.spark(settings);
    LetheStore store = CommonOptions.openStore(spark, settings);
    PrintWriter out = spec.commandLine().getOut();
    DataManifest manifest;
    try (StoreLock lock = StoreLock.acquire(store, "lethe quickstart: prepare")) {
      manifest = PrepareJob.run(spark, store, settings.data(), "prepare",
          new Ledger(spark, store).forgotten());
    }
    PrepareCommand.print(out, store, manifest);
    out.flush();
    TrainCommand.print(out, TrainJob.run(spark, store, settings, false));
    out.flush();
    Evaluation evaluation = EvaluateJob.run(spark, store, settings, baseline);
    EvaluateCommand.print(out, evaluation);
    return 0;
  }
}
