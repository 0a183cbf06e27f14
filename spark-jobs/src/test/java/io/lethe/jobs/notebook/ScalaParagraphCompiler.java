package io.lethe.jobs.notebook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import scala.jdk.javaapi.CollectionConverters;
import scala.tools.nsc.Global;
import scala.tools.nsc.Settings;
import scala.tools.nsc.reporters.StoreReporter;

/**
 * Compiles the Scala paragraphs of a Zeppelin note, in order, as the body of one method in which {@code spark} and
 * {@code z} are bound as Zeppelin's Spark interpreter binds them, against the test classpath; each compiler error is
 * attributed to its paragraph. Nothing is run.
 */
final class ScalaParagraphCompiler {
  /** A paragraph's Scala code: its index in the note, its title and its text after the interpreter line. */
  record Paragraph(int index, String title, String code) {}

  /**
   * One compiler error. {@code line} counts from 1 at the paragraph's first line after the interpreter line;
   * {@code paragraph} is -1 when the error lies outside every paragraph (then {@code line} is in the generated
   * source).
   */
  record CompileError(int paragraph, String title, int line, String message) {
    @Override
    public String toString() {
      return (paragraph < 0 ? "generated source" : "paragraph " + paragraph + " (\"" + title + "\")") + " line "
          + line + ": " + message;
    }
  }

  // Zeppelin's z is a ZeppelinContext; the note only calls its show(DataFrame), so that method stands in for it.
  private static final String HEADER = """
      object LetheNote {
        trait ZeppelinContext { def show(df: org.apache.spark.sql.Dataset[_]): Unit }
        def run(spark: org.apache.spark.sql.SparkSession, z: ZeppelinContext): Unit = {
      """;
  private static final String FOOTER = """
        }
      }
      """;

  private ScalaParagraphCompiler() {}

  /** Compiles {@code paragraphs} into {@code outputDir} (which also receives the generated source). */
  static List<CompileError> compile(List<Paragraph> paragraphs, Path outputDir) {
    StringBuilder source = new StringBuilder(HEADER);
    int[] firstLine = new int[paragraphs.size()];
    int[] lastLine = new int[paragraphs.size()];
    int line = lines(HEADER);
    for (int i = 0; i < paragraphs.size(); i++) {
      String code = paragraphs.get(i).code().stripTrailing() + "\n";
      firstLine[i] = line + 1;
      line += lines(code);
      lastLine[i] = line;
      source.append(code);
    }
    source.append(FOOTER);

    Path file = outputDir.resolve("LetheNote.scala");
    try {
      Files.writeString(file, source);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Settings settings = new Settings();
    // -usejavacp: the JVM's class path, which Surefire sets to the module's test classpath (Spark, Lethe, Scala).
    List<String> arguments = List.of("-usejavacp", "-d", outputDir.toString());
    if (!(Boolean) settings.processArguments(CollectionConverters.asScala(arguments).toList(), true)._1()) {
      throw new IllegalStateException("The Scala compiler rejected its arguments " + arguments);
    }
    StoreReporter reporter = new StoreReporter(settings);
    Global compiler = new Global(settings, reporter);
    compiler.new Run().compile(CollectionConverters.asScala(List.of(file.toString())).toList());

    List<CompileError> errors = new ArrayList<>();
    for (StoreReporter.Info info : CollectionConverters.asJava(reporter.infos())) {
      if (!info.severity().equals(reporter.ERROR())) {
        continue;
      }
      int at = info.pos().isDefined() ? info.pos().line() : 0;
      CompileError error = new CompileError(-1, "", at, info.msg());
      for (int i = 0; i < paragraphs.size(); i++) {
        if (at >= firstLine[i] && at <= lastLine[i]) {
          Paragraph p = paragraphs.get(i);
          error = new CompileError(p.index(), p.title(), at - firstLine[i] + 1, info.msg());
        }
      }
      errors.add(error);
    }
    return errors;
  }

  private static int lines(String text) {
    return (int) text.chars().filter(c -> c == '\n').count();
  }
}
