package io.lethe.jobs.cli;

import io.lethe.jobs.config.LetheSettings;
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
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lethe prepare}: validates the input and commits a new data version split into shards and slices. */
@Command(name = "prepare", mixinStandardHelpOptions = true,
    description = {"Validate input data, give every row a record id and data subject, assign shards and slices,",
        "and commit it as a new data version (Parquet, shard=K/slice=R) with a manifest of counts and hashes.",
        "Invalid input stops with an error naming the first offending rows and writes nothing.",
        "Re-running on unchanged input is a no-op."})
final class PrepareCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Mixin DataOptions data;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    LetheSettings settings = common.settings(data.overrides());
    SparkSession spark = CommonOptions.spark(settings);
    LetheStore store = CommonOptions.openStore(spark, settings);
    DataManifest manifest;
    try (StoreLock lock = StoreLock.acquire(store, "lethe prepare")) {
      manifest = PrepareJob.run(spark, store, settings.data(), "prepare",
          new Ledger(spark, store).forgotten());
    }
    print(spec.commandLine().getOut(), store, manifest);
    return 0;
  }

  static void print(PrintWriter out, LetheStore store, DataManifest m) {
    out.printf("Data version %d in %s: %d train rows in %d shards x %d slices, %d test rows, %d features, %d"
            + " classes%n", m.version(), store.uri(), m.trainRows(), m.settings().numShards(),
        m.settings().numSlices(), m.testRows(), m.numFeatures(), m.numClasses());
    for (int shard = 0; shard < m.settings().numShards(); shard++) {
      out.printf("  shard %d: %d rows%n", shard, m.shardRows(shard));
    }
  }
}
