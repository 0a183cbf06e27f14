package io.lethe.jobs.cli;

import io.lethe.jobs.config.ConfigKeys;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.train.TrainJob;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.ShardLineage;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lethe train}: trains every shard of the newest data version and publishes one generation. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Train one model per shard on Spark (one task per shard, shards in parallel), slice by slice",
        "with a checkpoint after each slice, then publish a generation serving all shards at once.",
        "A no-op when the served generation already matches the data and model settings."})
final class TrainCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--force", description = "Retrain even if the served generation is up to date.")
  boolean force;

  @Option(names = "--architecture", paramLabel = "NAME", description = "mlp, cnn or tabular-mlp.")
  String architecture;

  @Option(names = "--epochs", paramLabel = "N", description = "Epochs (per slice: ceil(2N/(slices+1))).")
  Integer epochs;

  @Override
  public Integer call() {
    List<String> overrides = new ArrayList<>();
    if (architecture != null) {
      overrides.add(ConfigKeys.MODEL_ARCHITECTURE + "=" + architecture);
    }
    if (epochs != null) {
      overrides.add(ConfigKeys.MODEL_EPOCHS + "=" + epochs);
    }
    LetheSettings settings = common.settings(overrides);
    SparkSession spark = CommonOptions.spark(settings);
    LetheStore store = CommonOptions.openStore(spark, settings);
    TrainJob.Outcome outcome = TrainJob.run(spark, store, settings, force);
    print(spec.commandLine().getOut(), outcome);
    return 0;
  }

  static void print(PrintWriter out, TrainJob.Outcome outcome) {
    GenerationManifest g = outcome.generation();
    if (outcome.upToDate()) {
      out.printf("Generation %d is up to date (data version %d); nothing trained.%n", g.number(), g.dataVersion());
      // Deactivated stages are not train's to restore (its plan is for new data or settings) but retrain's; say so,
      // or "up to date" reads as if every shard served its full lineage.
      List<Integer> deactivated = g.shards().stream().filter(s -> !s.servesFullLineage(g.numSlices()))
          .map(ShardLineage::shard).toList();
      if (!deactivated.isEmpty()) {
        out.printf("Shards %s serve deactivated prefixes (deferred retraining pending); `lethe retrain` restores"
            + " them.%n", deactivated);
      }
      return;
    }
    out.printf("Published generation %d: %d shards x %d slices trained on data version %d in %.1f s%n",
        g.number(), g.servedShards().size(), g.numSlices(), g.dataVersion(), outcome.seconds());
    outcome.results().values().forEach(r -> out.printf("  shard %d: %.1f s, final train accuracy %.4f%n",
        r.shard(), r.seconds(), r.metrics().get(r.metrics().size() - 1).trainAccuracy()));
  }
}
