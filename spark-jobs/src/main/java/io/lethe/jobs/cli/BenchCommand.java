package io.lethe.jobs.cli;

import io.lethe.jobs.bench.CapacityBenchmark;
import io.lethe.jobs.bench.ForgetBenchmark;
import io.lethe.jobs.bench.LedgerScaleBenchmark;
import io.lethe.jobs.bench.ScaleBenchmark;
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
        BenchCommand.Capacity.class, BenchCommand.Scale.class})
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

  /** {@code lethe bench scale}. */
  @Command(name = "scale", mixinStandardHelpOptions = true,
      description = {"For each size: generate a seeded synthetic table (Parquet, written by",
          "the executors), then run on a store of its own what prepare, train,",
          "forget --record (1 record), forget --file (1,000 records) and verify",
          "run. Reports the seconds of each, the driver JVM's peak heap per step",
          "and the store's size. Every entry of the JSON list states its rows,",
          "shards, slices, features and model; the file is rewritten after each",
          "size."})
  static final class Scale implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = "--output", paramLabel = "FILE", defaultValue = "bench-scale.json",
        description = "Where to write the JSON list (default: ${DEFAULT-VALUE}).")
    File output;

    @Option(names = "--rows", paramLabel = "N", split = ",", defaultValue = "100000,1000000,10000000",
        description = "Training rows of each size, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Long> rows;

    @Option(names = "--shards", paramLabel = "N", defaultValue = "16",
        description = "Shards of every size (default: ${DEFAULT-VALUE}); slices: lethe.data.slices.")
    int shards;

    @Option(names = "--features", paramLabel = "N", defaultValue = "64",
        description = "Feature columns; the MLP's input width follows them (default: ${DEFAULT-VALUE}).")
    int features;

    @Option(names = "--classes", paramLabel = "N", defaultValue = "10", description = "Labels (default:"
        + " ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--rows-per-subject", paramLabel = "N", defaultValue = "4",
        description = "Consecutive rows sharing a data subject (default: ${DEFAULT-VALUE}).")
    int rowsPerSubject;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "1",
        description = "lethe.model.epochs of the scale runs (default: ${DEFAULT-VALUE}: one epoch per slice stage).")
    int epochs;

    @Option(names = "--hidden-layers", paramLabel = "N", split = ",", defaultValue = "64",
        description = "The tabular MLP's hidden layers (default: ${DEFAULT-VALUE}).")
    List<Integer> hiddenLayers;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
        description = "Seed of the generated rows and of the records forgotten (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--work", paramLabel = "DIR", defaultValue = "bench-scale-work",
        description = "Local folder for each size's input and store (rows-N/, replaced if present; the input is"
            + " deleted after its size is measured). Default: ${DEFAULT-VALUE}.")
    File work;

    @Override
    public Integer call() throws IOException {
      LetheSettings settings = common.settings(List.of());
      // Checked before Spark starts, as a usage error (exit 2, one line).
      ScaleBenchmark.Options options = new ScaleBenchmark.Options(rows, shards, features, classes, rowsPerSubject,
          epochs, hiddenLayers, seed, work.toPath());
      SparkSession spark = CommonOptions.spark(settings);
      // Written after every size, so a run stopped during a large size keeps the smaller ones' figures.
      String json = Json.write(ScaleBenchmark.run(spark, settings, options, sizes -> {
        try {
          Files.writeString(output.toPath(), Json.write(sizes), StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException("Cannot write " + output + ": " + e.getMessage(), e);
        }
      }));
      spec.commandLine().getOut().println(json);
      spec.commandLine().getOut().println("Wrote " + output);
      return 0;
    }
  }
}
