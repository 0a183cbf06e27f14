package io.lethe.jobs.notebook;

import io.lethe.jobs.notebook.ScalaParagraphCompiler.Paragraph;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.SparkSession;
import scala.Console$;
import scala.collection.immutable.List$;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;
import scala.tools.nsc.interpreter.shell.ReplReporterImpl;

/**
 * Runs Scala paragraphs the way Zeppelin's Spark interpreter does: in one Scala 2.13 REPL ({@link IMain}, the
 * interpreter Zeppelin's Scala 2.13 Spark interpreter drives), with {@code spark} bound to a live SparkSession and
 * {@code z} to a {@link ZeppelinContextStandIn}, each paragraph interpreted after the previous one, seeing its
 * definitions.
 */
final class ScalaParagraphRunner implements AutoCloseable {
  /** What a paragraph printed (its println output and the REPL's echo of its definitions and values). */
  record Output(Paragraph paragraph, String printed) {}

  /** A paragraph that did not compile or threw; {@code output} is what the REPL printed about it. */
  static final class ParagraphFailed extends AssertionError {
    ParagraphFailed(Paragraph paragraph, String output) {
      super("paragraph " + paragraph.index() + " (\"" + paragraph.title() + "\") failed:\n" + output.strip());
    }
  }

  private final StringWriter replOutput = new StringWriter();
  private final IMain repl;

  ScalaParagraphRunner(SparkSession spark, ZeppelinContextStandIn z) {
    Settings settings = new Settings();
    // The JVM's class path: Surefire sets it to the module's test classpath (Spark, Lethe, Scala), as Zeppelin
    // puts Spark's jars and spark.jars on its interpreter's.
    settings.usejavacp().v_$eq(true);
    repl = new IMain(settings, new ReplReporterImpl(settings, new PrintWriter(replOutput, true)));
    bind("spark", SparkSession.class.getName(), spark);
    bind("z", ZeppelinContextStandIn.class.getName(), z);
  }

  private void bind(String name, String type, Object value) {
    Results.Result result = repl.bind(name, type, value, List$.MODULE$.empty());
    if (!(result instanceof Results.Success$)) {
      throw new IllegalStateException("The Scala REPL could not bind " + name + ": " + takeReplOutput());
    }
  }

  /** Interprets {@code paragraph}; fails with what the REPL said when it does not compile or throws. */
  Output run(Paragraph paragraph) {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    Results.Result result;
    try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
      result = Console$.MODULE$.withOut(out, () -> repl.interpret(paragraph.code()));
    }
    String output = printed.toString(StandardCharsets.UTF_8) + takeReplOutput();
    if (!(result instanceof Results.Success$)) {
      throw new ParagraphFailed(paragraph, output);
    }
    return new Output(paragraph, output);
  }

  /** The value of the paragraph's last expression (Zeppelin shows it as the paragraph's result), if any. */
  Object lastValue() {
    return repl.valueOfTerm(repl.mostRecentVar()).getOrElse(() -> null);
  }

  private String takeReplOutput() {
    String text = replOutput.toString();
    replOutput.getBuffer().setLength(0);
    return text;
  }

  @Override
  public void close() {
    repl.close();
  }
}
