package io.lethe.jobs.cli;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.ForgetJob;
import io.lethe.jobs.forget.ForgetJournal;
import io.lethe.jobs.forget.ForgetReport;
import io.lethe.jobs.forget.RequestIdIndex;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreLock;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lethe resume}: finish interrupted forget batches and process pending requests. */
@Command(name = "resume", mixinStandardHelpOptions = true,
    description = {"Finish every forget batch that was interrupted (from its last committed step) and process",
        "the requests acknowledged but not yet processed. A lock left by a writer that no longer runs on this",
        "host (killed or crashed) is taken over, and that writer's staged leftovers removed; a live writer's or",
        "another host's lock is not. After a killed prepare or train, run resume and then that command again."})
final class ResumeCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    LetheSettings settings = common.settings(List.of());
    SparkSession spark = CommonOptions.spark(settings);
    LetheStore store = CommonOptions.openExistingStore(spark, settings);
    PrintWriter out = spec.commandLine().getOut();
    List<ForgetJournal> batches;
    try (StoreLock lock = StoreLock.acquireTakingOverDeadHolder(store, "lethe resume")) {
      lock.takeOverNotice().ifPresent(notice -> {
        out.println(notice);
        out.flush();
      });
      // A writer killed between indexing its submission and committing it left a run of ids never acknowledged.
      new RequestIdIndex(store).removeUncommittedRuns();
      batches = new ForgetJob(spark, store, settings).processPendingLocked();
    }
    if (batches.isEmpty()) {
      out.println("Nothing to resume: every forget batch is complete and no request is pending.");
    }
    for (ForgetJournal journal : batches) {
      out.print(ForgetReport.load(store, journal.batchId()).summary());
    }
    return 0;
  }
}
