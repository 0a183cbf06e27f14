package io.lethe.jobs.cli;

import org.apache.spark.sql.SparkSession;

/** Stops the Spark session at the end of a command-line run (not when embedded in a notebook or test). */
final class Sessions {
  private Sessions() {}

  static void stopIfCreatedHere() {
    scala.Option<SparkSession> active = SparkSession.getActiveSession();
    if (active.isDefined()) {
      active.get().stop();
    }
  }
}
