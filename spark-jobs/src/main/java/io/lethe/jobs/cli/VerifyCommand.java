package io.lethe.jobs.cli;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.Verifier;
import io.lethe.store.LetheStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lethe verify}: prove that deleted records are gone from data and models. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Scan every data file, checkpoint provenance and record-id set in the store; exit 1 if",
        "anything still holds or was trained on a record whose deletion was acknowledged. --exact also retrains",
        "every shard a forget touched from scratch on its remaining data and requires the same bits as served."})
final class VerifyCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--exact", description = "Also retrain touched shards from scratch and compare bitwise.")
  boolean exact;

  @Override
  public Integer call() {
    LetheSettings settings = common.settings(List.of());
    SparkSession spark = CommonOptions.spark(settings);
    LetheStore store = CommonOptions.openExistingStore(spark, settings);
    Verifier.Result result = new Verifier(spark, store, settings).run(exact);
    PrintWriter out = spec.commandLine().getOut();
    out.printf("Checked %d deleted record id(s) from %d batch(es) against %d data file(s) and %d checkpoint(s).%n",
        result.deletedRecords(), result.batches(), result.dataFilesScanned(), result.checkpointsScanned());
    result.findings().forEach(f -> out.printf("  FAIL %s %s: %s%n", f.kind(), f.where(), f.detail()));
    result.proofs().forEach(p -> out.printf("  shard %d sequence %d stage %d%s: %s (kept %s, retrained from scratch"
        + " %s)%n", p.shard(), p.sequence(), p.stage(), p.servedNow() ? " (served)" : "",
        p.identical() ? "exact" : "DIFFERENT", p.served(), p.fromScratch()));
    out.println(result.ok() ? "verify: OK" : "verify: FAILED");
    return result.ok() ? 0 : 1;
  }
}
