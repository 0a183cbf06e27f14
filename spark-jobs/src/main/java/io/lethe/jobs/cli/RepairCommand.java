package io.lethe.jobs.cli;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.RequestIdIndex;
import io.lethe.jobs.repair.CheckpointRepair;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreLock;
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

/** {@code lethe repair}: rebuild damaged or missing checkpoints, proven by their content address. */
@Command(name = "repair", mixinStandardHelpOptions = true,
    description = {"Rebuild every checkpoint whose file is damaged (its bytes do not hash to its name), or that the",
        "served generation names but is missing, by retraining it from the data its provenance names (training is",
        "deterministic). A rebuilt file replaces the damaged one only if its bytes hash to the checkpoint's name.",
        "A checkpoint whose training data no longer exists is left alone (exit 1): retrain its shard forward.",
        "Also rebuilds the ledger's request-id index when it misses acknowledged request ids."})
final class RepairCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--checkpoint", paramLabel = "SHA256", description = "Repair this checkpoint only"
      + " (repeatable). Default: every damaged or missing one.")
  List<String> only = new ArrayList<>();

  @Override
  public Integer call() {
    LetheSettings settings = common.settings(List.of());
    SparkSession spark = CommonOptions.spark(settings);
    LetheStore store = CommonOptions.openExistingStore(spark, settings);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (StoreLock lock = StoreLock.acquire(store, "lethe repair")) {
      if (only.isEmpty()) {
        RequestIdIndex index = new RequestIdIndex(store);
        List<String> gaps = index.check();
        if (!gaps.isEmpty()) {
          long submissions = index.rebuild();
          out.println("Rebuilt the ledger's request-id index from " + submissions + " submission(s): it missed the"
              + " request ids of " + gaps.size() + " submission(s).");
        }
      }
      CheckpointRepair repair = new CheckpointRepair(spark, store, settings.training());
      List<String> targets = only.isEmpty() ? repair.findDamaged() : only;
      if (targets.isEmpty()) {
        out.println("Every checkpoint is intact; nothing to repair.");
        return 0;
      }
      boolean allRepaired = true;
      for (CheckpointRepair.Outcome outcome : repair.repair(targets)) {
        (outcome.repaired() ? out : err).println(outcome.message());
        allRepaired &= outcome.repaired();
      }
      return allRepaired ? 0 : 1;
    }
  }
}
