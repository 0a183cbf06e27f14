package io.lethe.jobs.cli;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.store.DataManifest;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.ShardLineage;
import java.io.PrintWriter;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lethe status}: what the store holds and what it serves. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show the store's data versions, the served generation and each shard's slice orders.")
final class StatusCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    LetheSettings settings = common.settings(List.of());
    SparkSession spark = CommonOptions.spark(settings);
    LetheStore store = CommonOptions.openExistingStore(spark, settings);
    PrintWriter out = spec.commandLine().getOut();
    out.println("Store " + store.uri());
    List<Integer> versions = store.dataVersions();
    out.println("Data versions: " + (versions.isEmpty() ? "none (run lethe prepare)" : versions));
    if (!versions.isEmpty()) {
      DataManifest data = store.readDataManifest(versions.get(versions.size() - 1));
      out.printf("  newest v%d: %d train rows, %d test rows, %d shards x %d slices (%s)%n", data.version(),
          data.trainRows(), data.testRows(), data.settings().numShards(), data.settings().numSlices(),
          data.reason());
    }
    OptionalLong latest = store.latestGeneration();
    if (latest.isEmpty()) {
      out.println("Served generation: none (run lethe train)");
      return 0;
    }
    GenerationManifest g = store.readGeneration(latest.getAsLong());
    out.printf("Served generation %d (%s, %s), data version %d, %d of %d shards served%n", g.number(),
        g.reason(), g.createdAt(), g.dataVersion(), g.servedShards().size(), g.shards().size());
    for (ShardLineage s : g.shards()) {
      String state = s.servesFullLineage(g.numSlices()) ? ""
          : s.sequences().isEmpty() ? "" : ", deactivated (retrain pending)";
      out.printf("  shard %d: %s%s%n", s.shard(), s.isServed()
          ? "slices " + s.servedSlices() + " (sequence " + s.servedSequence() + " stage " + s.servedStage() + " of "
              + g.numSlices() + "), checkpoint " + s.servedCheckpoint() + ", " + s.trainRows() + " rows"
          : "left out (no clean checkpoint)", state);
      if (s.sequences().size() > 1) {
        for (int i = 0; i < s.sequences().size(); i++) {
          ShardLineage.Sequence q = s.sequences().get(i);
          out.printf("    sequence %d: order %s, %d of %d stages kept%n", i, q.slices(), q.stages(),
              q.slices().size());
        }
      }
    }
    return 0;
  }
}
