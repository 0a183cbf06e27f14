package io.lethe.jobs.notebook;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What the note's paragraphs call of Zeppelin's {@code z} (a ZeppelinContext): {@code show(DataFrame)}, which
 * Zeppelin renders as a table or chart. Here each shown table is collected, so a test can read what the user saw.
 * Public: code compiled by the Scala REPL calls it.
 */
public final class ZeppelinContextStandIn {
  private final List<List<Row>> shown = new ArrayList<>();

  /** Zeppelin's {@code z.show(df)}: collects the rows, as Zeppelin does to display them. */
  public void show(Dataset<?> table) {
    shown.add(table.toDF().collectAsList());
  }

  /** The tables shown so far, in order. */
  List<List<Row>> shown() {
    return shown;
  }
}
