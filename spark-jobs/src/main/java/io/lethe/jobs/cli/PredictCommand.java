package io.lethe.jobs.cli;

import io.lethe.jobs.config.ConfigKeys;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.predict.PredictJob;
import io.lethe.prep.InputLoader;
import io.lethe.prep.PrepareJob;
import io.lethe.store.DataManifest.DataSettings;
import io.lethe.store.DataManifest;
import io.lethe.store.LetheStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lethe predict}: batch scoring with the served ensemble. */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = {"Score rows with the served generation (models loaded once per executor, minibatches) and",
        "write Parquet: record_id, label (if the input has one), prediction, and optionally probabilities.",
        "Input is read with the same columns and feature scaling as the prepared training data."})
final class PredictCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--input", paramLabel = "PATH",
      description = "Rows to score, in the prepared data's format (parquet, csv, or IDX images[,labels]);"
          + " repeatable. Default: the store's test split.")
  List<String> inputs;

  @Option(names = "--output", paramLabel = "PATH", required = true, description = "Parquet output directory.")
  String output;

  @Option(names = "--aggregation", paramLabel = "NAME", description = "mean-softmax, majority-vote or weighted.")
  String aggregation;

  @Option(names = "--probabilities", description = "Include each row's class probabilities.")
  boolean probabilities;

  @Option(names = "--overwrite", description = "Replace an existing output.")
  boolean overwrite;

  @Override
  public Integer call() {
    List<String> overrides = new ArrayList<>();
    if (aggregation != null) {
      overrides.add(ConfigKeys.PREDICT_AGGREGATION + "=" + aggregation);
    }
    if (probabilities) {
      overrides.add(ConfigKeys.PREDICT_INCLUDE_PROBABILITIES + "=true");
    }
    LetheSettings settings = common.settings(overrides);
    SparkSession spark = CommonOptions.spark(settings);
    LetheStore store = CommonOptions.openExistingStore(spark, settings);
    DataManifest data = store.readLatestDataManifest();
    Dataset<Row> input = inputs == null || inputs.isEmpty()
        ? PrepareJob.loadTestSplit(spark, store, data.version())
        : readInput(spark, data.settings(), inputs);
    PredictJob.Outcome outcome = PredictJob.run(spark, store, settings, input, output, overwrite);
    spec.commandLine().getOut().printf("Wrote %d predictions (generation %d, %d shards, %s) to %s%n",
        outcome.rows(), outcome.generation(), outcome.servedShards(), outcome.aggregation().configName(),
        outcome.output());
    return 0;
  }

  /**
   * Reads rows to score with the prepared data's columns and scaling, so they reach the models exactly as the
   * training rows did. Fashion-MNIST-trained stores read IDX files.
   */
  static Dataset<Row> readInput(SparkSession spark, DataSettings prepared, List<String> inputs) {
    String source = prepared.source().equals(InputLoader.FASHION_MNIST) ? InputLoader.IDX : prepared.source();
    DataSettings forInput = new DataSettings(source, inputs, List.of(), prepared.strategy(), prepared.numShards(),
        prepared.numSlices(), prepared.salt(), prepared.seed(), prepared.idColumn(), prepared.subjectColumn(),
        prepared.labelColumn(), prepared.featureColumns(), prepared.featureScale(), null);
    return InputLoader.loadTrain(spark, forInput).rows();
  }
}
