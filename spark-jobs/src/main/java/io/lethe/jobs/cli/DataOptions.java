package io.lethe.jobs.cli;

import io.lethe.jobs.config.ConfigKeys;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options that choose the input data and how it is sharded; each maps to one lethe.data.* setting. */
public final class DataOptions {
  @Option(names = "--source", paramLabel = "KIND", description = "fashion-mnist, idx, csv or parquet.")
  String source;

  @Option(names = "--input", paramLabel = "PATH", description = "Training input (repeatable).")
  List<String> inputs;

  @Option(names = "--test-input", paramLabel = "PATH", description = "Held-out test input (repeatable).")
  List<String> testInputs;

  @Option(names = "--shards", paramLabel = "N", description = "Number of shards (one model each).")
  Integer shards;

  @Option(names = "--slices", paramLabel = "N", description = "Ordered slices per shard (a checkpoint after each).")
  Integer slices;

  @Option(names = "--strategy", paramLabel = "NAME", description = "subject-hash (default) or random.")
  String strategy;

  @Option(names = "--id-column", paramLabel = "COL", description = "Record id column (csv/parquet).")
  String idColumn;

  @Option(names = "--subject-column", paramLabel = "COL", description = "Data subject column (csv/parquet).")
  String subjectColumn;

  @Option(names = "--label-column", paramLabel = "COL", description = "Label column (csv/parquet).")
  String labelColumn;

  @Option(names = "--feature-columns", paramLabel = "COL", split = ",",
      description = "Feature columns, comma-separated (csv/parquet).")
  List<String> featureColumns;

  List<String> overrides() {
    List<String> o = new ArrayList<>();
    add(o, ConfigKeys.DATA_SOURCE, source);
    addList(o, ConfigKeys.DATA_INPUTS, inputs);
    addList(o, ConfigKeys.DATA_TEST_INPUTS, testInputs);
    add(o, ConfigKeys.DATA_SHARDS, shards);
    add(o, ConfigKeys.DATA_SLICES, slices);
    add(o, ConfigKeys.DATA_STRATEGY, strategy);
    add(o, ConfigKeys.DATA_ID_COLUMN, idColumn);
    add(o, ConfigKeys.DATA_SUBJECT_COLUMN, subjectColumn);
    add(o, ConfigKeys.DATA_LABEL_COLUMN, labelColumn);
    addList(o, ConfigKeys.DATA_FEATURE_COLUMNS, featureColumns);
    return o;
  }

  private static void add(List<String> o, String key, Object value) {
    if (value != null) {
      o.add(key + "=" + quote(value.toString()));
    }
  }

  private static void addList(List<String> o, String key, List<String> values) {
    if (values != null) {
      o.add(key + "=[" + String.join(",", values.stream().map(DataOptions::quote).toList()) + "]");
    }
  }

  /** HOCON-quotes a string so paths and names with any characters survive the override parser. */
  static String quote(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
