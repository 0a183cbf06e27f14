package io.lethe.jobs.cli;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.AuditChain;
import io.lethe.jobs.forget.RequestStatus;
import io.lethe.store.LetheStore;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Iterator;
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

/** {@code lethe audit --export}: the compliance trail of every deletion request, as CSV. */
@Command(name = "audit", mixinStandardHelpOptions = true,
    description = {"Export the compliance trail: one CSV row per request with its subject or record id, reason,",
        "status, the time of each step, the shards and slices touched, the generations before and after, and",
        "the sha256 of every checkpoint and data file its batch removed. Holds no deleted features. The export",
        "names the head of the store's audit hash chain (also written to FILE.chain-head) for you to pin;",
        "--verify recomputes the chain and names every ledger or journal entry edited, removed, reordered or",
        "inserted (exit 1), and with --head that the chain still contains the head you pinned."})
final class AuditCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--export", paramLabel = "FILE", description = "CSV file to write.")
  File export;

  @Option(names = "--verify", description = "Recompute the audit hash chain and report every tampered entry.")
  boolean verify;

  @Option(names = "--head", paramLabel = "SHA256", description = "With --verify: a chain head pinned earlier.")
  String head;

  @Override
  public Integer call() throws IOException {
    LetheSettings settings = common.settings(List.of());
    if (export == null && !verify) {
      throw new IllegalArgumentException("Nothing to do: give --export FILE.csv, --verify, or both.");
    }
    if (head != null && !verify) {
      throw new IllegalArgumentException("--head is checked by --verify; add --verify.");
    }
    int code = 0;
    if (verify) {
      LetheStore store = CommonOptions.openStoreWithoutSpark(settings);
      AuditChain.Verification result = new AuditChain(store).verify(head);
      PrintWriter out = spec.commandLine().getOut();
      result.findings().forEach(f -> out.printf("  FAIL %s: %s%n", f.where(), f.detail()));
      out.printf("audit: %d chained entr%s, head %s: %s%n", result.entries(), result.entries() == 1 ? "y" : "ies",
          result.head().isEmpty() ? "(none)" : result.head(), result.ok() ? "OK" : "FAILED");
      code = result.ok() ? 0 : 1;
    }
    if (export != null) {
      exportCsv(settings);
    }
    return code;
  }

  private void exportCsv(LetheSettings settings) throws IOException {
    SparkSession spark = CommonOptions.spark(settings);
    LetheStore store = CommonOptions.openExistingStore(spark, settings);
    Dataset<Row> rows = RequestStatus.all(spark, store);
    long written = 0;
    File tmp = new File(export.getAbsoluteFile().getParentFile(), "." + export.getName() + ".tmp");
    try (BufferedWriter out = Files.newBufferedWriter(tmp.toPath(), StandardCharsets.UTF_8)) {
      out.write(String.join(",", rows.columns()));
      out.newLine();
      Iterator<Row> it = rows.toLocalIterator();
      while (it.hasNext()) {
        Row r = it.next();
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < r.length(); i++) {
          line.append(i == 0 ? "" : ",").append(csv(r.isNullAt(i) ? "" : String.valueOf(r.get(i))));
        }
        out.write(line.toString());
        out.newLine();
        written++;
      }
    }
    Files.move(tmp.toPath(), export.toPath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    String chainHead = new AuditChain(store).head().map(AuditChain.Link::sha256).orElse("");
    Files.writeString(new File(export.getAbsoluteFile().getParentFile(), export.getName() + ".chain-head").toPath(),
        chainHead + System.lineSeparator(), StandardCharsets.UTF_8);
    spec.commandLine().getOut().printf("Wrote %d request(s) to %s; audit chain head %s (in %s.chain-head): pin it"
        + " and check later with `lethe audit --verify --head %s`.%n", written, export,
        chainHead.isEmpty() ? "(none)" : chainHead, export.getName(), chainHead);
  }

  /** RFC 4180 quoting; a leading formula character is neutralised so spreadsheets do not evaluate reasons. */
  static String csv(String value) {
    String safe = !value.isEmpty() && "=+-@".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
    return safe.contains(",") || safe.contains("\"") || safe.contains("\n") || safe.contains("\r")
        ? "\"" + safe.replace("\"", "\"\"") + "\"" : safe;
  }
}
