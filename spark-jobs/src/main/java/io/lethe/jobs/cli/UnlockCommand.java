package io.lethe.jobs.cli;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreLock;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lethe unlock}: removes the writer lock a crashed run left behind. */
@Command(name = "unlock", mixinStandardHelpOptions = true,
    description = {"Remove the store's writer lock after a crashed run. Check first that the process named in",
        "the lock is gone: removing the lock of a live writer lets two writers corrupt each other."})
final class UnlockCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    LetheSettings settings = common.settings(List.of());
    SparkSession spark = CommonOptions.spark(settings);
    LetheStore store = CommonOptions.openExistingStore(spark, settings);
    boolean removed = StoreLock.forceUnlock(store);
    spec.commandLine().getOut().println(removed ? "Removed the lock of " + store.uri()
        : "Store " + store.uri() + " was not locked.");
    return 0;
  }
}
