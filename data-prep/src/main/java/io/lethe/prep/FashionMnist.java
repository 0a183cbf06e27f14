package io.lethe.prep;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds Fashion-MNIST as the Debian package {@code dataset-fashion-mnist} installs it: the four gzip IDX files in
 * {@value #DEFAULT_DIR}, or in the directory named by the environment variable {@value #DIR_ENV}.
 */
public final class FashionMnist {
  public static final String DIR_ENV = "LETHE_FASHION_MNIST_DIR";
  public static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";
  public static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
  public static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
  public static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
  public static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";

  private static final List<String> FILES = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);

  private FashionMnist() {}

  /** The dataset directory: {@value #DIR_ENV} when set, else {@value #DEFAULT_DIR}; fails if files are missing. */
  public static Path locateDirectory() {
    String override = System.getenv(DIR_ENV);
    return checkDirectory(Path.of(override == null || override.isBlank() ? DEFAULT_DIR : override));
  }

  /** Returns {@code dir} if it holds all four files, else fails naming the missing ones and how to install them. */
  public static Path checkDirectory(Path dir) {
    List<String> missing = FILES.stream().filter(name -> !Files.isRegularFile(dir.resolve(name))).toList();
    if (!missing.isEmpty()) {
      throw new InvalidInputException("Fashion-MNIST not found in " + dir + " (missing: " + String.join(", ", missing)
          + "): install it with `apt-get install dataset-fashion-mnist` (Debian) or set " + DIR_ENV + ".");
    }
    return dir;
  }
}
