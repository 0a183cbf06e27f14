package io.lethe.jobs.cli;

import io.lethe.jobs.config.SettingsException;
import io.lethe.store.StoreException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

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
        RequestsCommand.class,
        AuditCommand.class,
        VerifyCommand.class,
        StatusCommand.class,
        BenchCommand.class,
        ReportCommand.class,
        UnlockCommand.class,
        CommandLine.HelpCommand.class},
    footer = {"", "Settings: conf/application.conf lists every key and default; override with --config FILE or",
        "--set key=value. Run `lethe COMMAND --help` for a command's options."})
public final class LetheCli implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    int code = execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    Sessions.stopIfCreatedHere();
    System.exit(code);
  }

  /** Runs one command line and returns its exit code (0 ok, 1 failure, 2 bad usage or input). */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new LetheCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      String command = commandLine.getCommandName();
      if (isUserError(e)) {
        commandLine.getErr().println("lethe " + command + ": " + e.getMessage());
        return 2;
      }
      commandLine.getErr().println("lethe " + command + " failed: " + e);
      e.printStackTrace(commandLine.getErr());
      return 1;
    });
    return cli.execute(args);
  }

  static boolean isUserError(Throwable e) {
    return e instanceof SettingsException || e instanceof StoreException || e instanceof IllegalArgumentException
        || e instanceof IllegalStateException || e.getClass().getSimpleName().equals("InvalidInputException");
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
