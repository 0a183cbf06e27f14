package io.lethe.jobs.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository outside the module (conf/, submit/), found from the module directory tests run in. */
public final class RepoFiles {
  private RepoFiles() {}

  /** {@code relative} under the repository root; fails if it does not exist. */
  public static Path path(String relative) {
    Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    Path file = root.resolve(relative);
    if (!Files.exists(file)) {
      throw new IllegalStateException(relative + " not found under " + root + "; run the tests from the spark-jobs"
          + " module directory (as Maven does)");
    }
    return file;
  }
}
