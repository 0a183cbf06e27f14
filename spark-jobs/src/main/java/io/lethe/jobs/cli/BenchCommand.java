package io.lethe.jobs.cli;

import io.lethe.jobs.bench.CapacityBenchmark;
import io.lethe.jobs.bench.ForgetBenchmark;
import io.lethe.jobs.bench.LedgerScaleBenchmark;
import io.lethe.jobs.bench.TrainBenchmark;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.store.Json;
import io.lethe.store.LetheStore;
import java.io.File;
import java.io.IOException;
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

/** {@code lethe bench}: benchmarks that write JSON. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks on real data, written as JSON (the README quotes their figures).",
    subcommands = {BenchCommand.Train.class, BenchCommand.Forget.class, BenchCommand.LedgerScale.class,
        BenchCommand.Capacity.class})
final class BenchCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** What the benchmark commands share: settings, session and store, and writing the JSON report. */
  abstract static class Benchmark implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Mixin DataOptions data;
    @Spec CommandSpec spec;

    abstract File output();

    abstract Object measure(SparkSession spark, LetheStore store, LetheSettings settings);

    @Override
    public Integer call() throws IOException {
      LetheSettings settings = common.settings(data.overrides());
      SparkSession spark = CommonOptions.spark(settings);
      LetheStore store = CommonOptions.openStore(spark, settings);
      String json = Json.write(measure(spark, store, settings));
      Files.writeString(output().toPath(), json, StandardCharsets.UTF_8);
      spec.commandLine().getOut().println(json);
      spec.commandLine().getOut().println("Wrote " + output());
      return 0;
    }
  }

  /** {@code lethe bench train}. */
  @Command(name = "train", mixinStandardHelpOptions = true,
      description = {"Prepare the configured data (default Fashion-MNIST, 8 shards x 4 slices) and measure:",
          "full training (examples/s, seconds per shard), Spark vs plain DL4J on one shard, 2 shards in",
          "parallel vs one after another, and ensemble vs monolithic test accuracy."})
  static final class Train extends Benchmark {
    @Option(names = "--output", paramLabel = "FILE", defaultValue = "bench-train.json",
        description = "Where to write the JSON report (default: ${DEFAULT-VALUE}).")
    File output;

    @Override
    File output() {
      return output;
    }

    @Override
    Object measure(SparkSession spark, LetheStore store, LetheSettings settings) {
      return TrainBenchmark.run(spark, store, settings);
    }
  }

  /** {@code lethe bench forget}. */
  @Command(name = "forget", mixinStandardHelpOptions = true,
      description = {"Prepare and train the configured data (default Fashion-MNIST, 8 shards x 4 slices), then",
          "forget 1, 10 and 100 records (at random, and all from one shard) and compare each with retraining",
          "the monolithic model and all shards: seconds, speed-ups, latency to exact serving, accuracy after."})
  static final class Forget extends Benchmark {
    @Option(names = "--output", paramLabel = "FILE", defaultValue = "bench-forget.json",
        description = "Where to write the JSON report (default: ${DEFAULT-VALUE}).")
    File output;

    @Override
    File output() {
      return output;
    }

    @Override
    Object measure(SparkSession spark, LetheStore store, LetheSettings settings) {
      return ForgetBenchmark.run(spark, store, settings);
    }
  }

  /** {@code lethe bench ledger}. */
  @Command(name = "ledger", mixinStandardHelpOptions = true,
      description = {"Prepare and train the configured data, then acknowledge N submissions of one request each",
          "and process them as one forget batch, then one file of M requests (a few real records, the rest ids",
          "that do not exist) as one batch: seconds to acknowledge, route and complete, and the end status of",
          "every request. Use a store of its own."})
  static final class LedgerScale extends Benchmark {
    @Option(names = "--output", paramLabel = "FILE", defaultValue = "bench-ledger.json",
        description = "Where to write the JSON report (default: ${DEFAULT-VALUE}).")
    File output;

    @Option(names = "--submissions", paramLabel = "N", defaultValue = "10000",
        description = "Small submissions in the first batch (default: ${DEFAULT-VALUE}).")
    int submissions;

    @Option(names = "--requests", paramLabel = "M", defaultValue = "1000000",
        description = "Requests in the one file of the second batch (default: ${DEFAULT-VALUE}).")
    int requests;

    @Override
    File output() {
      return output;
    }

    @Override
    Object measure(SparkSession spark, LetheStore store, LetheSettings settings) {
      java.nio.file.Path work = output.getAbsoluteFile().toPath().getParent();
      return LedgerScaleBenchmark.run(spark, store, settings, submissions, requests, work);
    }
  }

  /** {@code lethe bench capacity}. */
  @Command(name = "capacity", mixinStandardHelpOptions = true,
      description = {"Prepare the configured data (default Fashion-MNIST, 8 shards x 4 slices), train it as SISA",
          "(B=1), cyclic B=2 and B=4 and bipartite B=4 (skewed prior), and replay seeded deletion streams",
          "(random records, subjects, skewed records) without retraining: after each deletion every shard",
          "serves its longest clean prefix. Reports each configuration's deletion capability (deletions until",
          "test accuracy is 2 points below its start), accuracy curve, training seconds and checkpoint bytes."})
  static final class Capacity extends Benchmark {
    @Option(names = "--output", paramLabel = "FILE", defaultValue = "bench-capacity.json",
        description = "Where to write the JSON report (default: ${DEFAULT-VALUE}).")
    File output;

    @Option(names = "--seeds", paramLabel = "N", defaultValue = "5",
        description = "Streams of each kind; the capability is their mean (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--deletions", paramLabel = "N", defaultValue = "100",
        description = "Deletions per stream (default: ${DEFAULT-VALUE}).")
    int deletions;

    @Option(names = "--configurations", paramLabel = "NAME", split = ",",
        description = "Only these configurations (sisa-b1, cyclic-b2, cyclic-b4, bipartite-b4 with 4 slices);"
            + " default all.")
    List<String> configurations = List.of();

    @Override
    File output() {
      return output;
    }

    @Override
    public Integer call() throws IOException {
      // Checked before Spark starts, as a usage error (exit 2, one line).
      if (seeds < 1 || deletions < 1) {
        throw new IllegalArgumentException((seeds < 1 ? "--seeds" : "--deletions") + " must be at least 1, got "
            + (seeds < 1 ? seeds : deletions));
      }
      return super.call();
    }

    @Override
    Object measure(SparkSession spark, LetheStore store, LetheSettings settings) {
      return CapacityBenchmark.run(spark, store, settings, new CapacityBenchmark.Options(seeds, deletions,
          configurations));
    }
  }
}
