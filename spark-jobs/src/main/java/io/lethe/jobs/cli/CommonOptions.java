package io.lethe.jobs.cli;

import io.lethe.jobs.config.ConfigKeys;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.config.SettingsLoader;
import io.lethe.jobs.spark.SparkSessions;
import io.lethe.store.LetheStore;
import java.io.File;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/** Options every command takes: where the store is and how settings are overridden. */
public final class CommonOptions {
  @Option(names = "--store", paramLabel = "URI",
      description = "Store root (file:///..., hdfs://..., or a local path). Default: lethe.store.root.")
  String store;

  @Option(names = "--config", paramLabel = "FILE",
      description = "HOCON file overriding conf/application.conf (only the keys you change).")
  File config;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override one setting, e.g. --set lethe.model.epochs=5 (repeatable; wins over --config).")
  List<String> overrides = new ArrayList<>();

  /** Resolves settings; {@code commandOverrides} (from dedicated options) win over everything else. */
  LetheSettings settings(List<String> commandOverrides) {
    List<String> all = new ArrayList<>(overrides);
    if (store != null) {
      all.add(ConfigKeys.STORE_ROOT + "=" + store);
    }
    all.addAll(commandOverrides);
    return SettingsLoader.load(config, all);
  }

  static LetheStore openStore(SparkSession spark, LetheSettings settings) {
    return LetheStore.open(LetheStore.toUri(settings.store().root()).toString(),
        spark.sparkContext().hadoopConfiguration(), settings.store().allowNonAtomicRename(), Clock.systemUTC());
  }

  /** Opens a store that must exist: commands that read or repair one never create an empty store by mistake. */
  static LetheStore openExistingStore(SparkSession spark, LetheSettings settings) {
    return LetheStore.openExisting(LetheStore.toUri(settings.store().root()).toString(),
        spark.sparkContext().hadoopConfiguration(), settings.store().allowNonAtomicRename(), Clock.systemUTC());
  }

  /** Opens the store without starting Spark, with the Hadoop settings a session would give it. */
  static LetheStore openStoreWithoutSpark(LetheSettings settings) {
    return LetheStore.open(LetheStore.toUri(settings.store().root()).toString(),
        SparkSessions.hadoopConfiguration(settings), settings.store().allowNonAtomicRename(), Clock.systemUTC());
  }

  static SparkSession spark(LetheSettings settings) {
    return SparkSessions.getOrCreate(settings);
  }
}
