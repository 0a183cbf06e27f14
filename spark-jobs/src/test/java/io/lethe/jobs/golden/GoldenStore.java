package io.lethe.jobs.golden;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.testing.Fixtures;
import java.nio.file.Path;

/** The inputs and settings the golden store fixture was written with (see {@link GoldenStoreWriter}). */
final class GoldenStore {
  /** The record and subject its one forget batch deleted. */
  static final String FORGOTTEN_RECORD = "train-100";
  static final String FORGOTTEN_SUBJECT = "s-train-0";

  private GoldenStore() {}

  /** Settings of the fixture; the seeded input CSVs are (re)written into {@code inputs}. */
  static LetheSettings settings(Path store, Path inputs, String... extra) {
    Path train = Fixtures.blobsCsv(inputs, "train", 180, 7);
    Path test = Fixtures.blobsCsv(inputs, "test", 60, 8);
    return Fixtures.blobSettings(store, train, test, extra);
  }
}
