package io.lethe.jobs.cli;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.RetrainJob;
import io.lethe.store.LetheStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lethe retrain}: end deferred retraining now. */
@Command(name = "retrain", mixinStandardHelpOptions = true,
    description = {"Retrain every shard that serves deactivated slices (forget with lethe.forget.retrain =",
        "deferred leaves them so), each slice order continuing from its last clean stage, and publish the",
        "generation that serves full models again. A no-op when nothing is deactivated; for a scheduled step."})
final class RetrainCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    LetheSettings settings = common.settings(List.of());
    SparkSession spark = CommonOptions.spark(settings);
    LetheStore store = CommonOptions.openStore(spark, settings);
    PrintWriter out = spec.commandLine().getOut();
    if (store.latestGeneration().isEmpty()) {
      // The daily DAG runs retrain before train; on a store not trained yet there is nothing deactivated.
      out.printf("Nothing to retrain: store %s has no trained generation yet (lethe train trains one).%n",
          store.uri());
      return 0;
    }
    RetrainJob.Outcome outcome = new RetrainJob(spark, store, settings).run("lethe retrain");
    if (outcome.shards().isEmpty()) {
      out.printf("Nothing to retrain: generation %d serves every shard's full lineage.%n",
          outcome.generation().number());
    } else {
      out.printf("Retrained shards %s; generation %d serves them in full.%n", outcome.shards(),
          outcome.generation().number());
    }
    return 0;
  }
}
