package io.lethe.jobs.cli;

import io.lethe.jobs.config.SettingsException;
import io.lethe.prep.InvalidInputException;
import io.lethe.store.DamagedFileException;
import io.lethe.store.StoreException;
import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe}: exact machine unlearning on Spark. Prepare data into shards and slices, train one model per shard,
 * predict with the ensemble, and (later) forget records with proof.
 */
@Command(name = "lethe", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = {
        "Exact machine unlearning on Apache Spark (SISA: sharded, isolated, sliced, aggregated training).",
        "Data is split into shards and ordered slices; one Deeplearning4j model is trained per shard with a",
        "checkpoint after each slice, so forgetting a record retrains only its shard from the slice before it."},
    subcommands = {
        QuickstartCommand.class,
        PrepareCommand.class,
        TrainCommand.class,
        PredictCommand.class,
        EvaluateCommand.class,
        ForgetCommand.class,
        ResumeCommand.class,
        RetrainCommand.class,
        RequestsCommand.class,
        AuditCommand.class,
        VerifyCommand.class,
        StatusCommand.class,
        BenchCommand.class,
        ReportCommand.class,
        RepairCommand.class,
        UnlockCommand.class,
        CommandLine.HelpCommand.class},
    footer = {"", "Settings: conf/application.conf lists every key and default; override with --config FILE or",
        "--set key=value. Run `lethe COMMAND --help` for a command's options."})
public final class LetheCli implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code = execute(args, out, err);
    // print() does not flush an auto-flushing PrintWriter; what a command printed so must reach the terminal.
    out.flush();
    err.flush();
    Sessions.stopIfCreatedHere();
    System.exit(code);
  }

  /** Where full stack traces go: the log file only (conf/log4j2.properties), never the console. */
  private static final Logger ERRORS = LoggerFactory.getLogger("io.lethe.errors");

  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
      description = "On failure, print the stack trace on stderr as well (it is always in the log file).")
  boolean verbose;

  /**
   * Runs one command line and returns its exit code (0 ok, 1 failure, 2 bad usage or input). A failure prints one
   * line on stderr naming the problem and what to do, taken from the innermost Lethe error (Spark wraps errors of
   * its tasks in its own); the stack trace goes to the log file, and to stderr too with {@code --verbose}.
   */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new LetheCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      String command = commandLine.getCommandName();
      ERRORS.error("lethe {} failed", command, e);
      Throwable cause = explaining(e);
      int code = exitCode(cause);
      commandLine.getErr().println(code == 2 || isLetheError(cause)
          ? "lethe " + command + ": " + oneLine(cause.getMessage())
          : "lethe " + command + " failed: " + oneLine(cause.getClass().getSimpleName() + ": " + cause.getMessage())
              + " (the stack trace is in the log file; --verbose prints it here)");
      if (isVerbose(parseResult)) {
        e.printStackTrace(commandLine.getErr());
      }
      return code;
    });
    return cli.execute(args);
  }

  private static boolean isVerbose(CommandLine.ParseResult parseResult) {
    for (CommandLine.ParseResult p = parseResult; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  /** The error that explains a failure: the innermost Lethe or usage error in the cause chain, else the root. */
  static Throwable explaining(Throwable e) {
    Throwable explaining = null;
    Throwable root = e;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (isLetheError(t) || isUsageError(t)) {
        explaining = t;
      }
      root = t;
    }
    return explaining != null ? explaining : root;
  }

  /** 2 for bad usage, settings or input (and a store that cannot be used as given); 1 for the rest. */
  static int exitCode(Throwable cause) {
    if (cause instanceof DamagedFileException) {
      return 1;
    }
    return isUsageError(cause) || cause instanceof StoreException ? 2 : 1;
  }

  private static boolean isUsageError(Throwable e) {
    return e instanceof SettingsException || e instanceof InvalidInputException
        || e instanceof IllegalArgumentException || e instanceof IllegalStateException;
  }

  private static boolean isLetheError(Throwable e) {
    return e instanceof StoreException || e instanceof SettingsException || e instanceof InvalidInputException;
  }

  /** A message as one line: its lines joined, runs of blanks collapsed. */
  static String oneLine(String message) {
    return String.valueOf(message).strip().replaceAll("\\s*\\R\\s*(- )?", "; ").replaceAll("[ \\t]+", " ");
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
