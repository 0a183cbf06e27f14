package io.lethe.jobs.train;

import io.lethe.models.LibraryVersions;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.package$;

/** Versions of Lethe and the libraries it runs with, as recorded in every checkpoint's provenance. */
public final class BuildInfo {
  private static final Map<String, String> VERSIONS = load();

  private BuildInfo() {}

  /** lethe, deeplearning4j, nd4j, java and the running spark version. */
  public static Map<String, String> libraryVersions() {
    return VERSIONS;
  }

  private static Map<String, String> load() {
    Map<String, String> versions = new TreeMap<>(LibraryVersions.detect());
    versions.put("spark", package$.MODULE$.SPARK_VERSION());
    return Map.copyOf(versions);
  }
}
