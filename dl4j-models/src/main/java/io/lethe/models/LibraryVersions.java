package io.lethe.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/** The versions of Lethe and the libraries that train a checkpoint, for its provenance. */
public final class LibraryVersions {
  private static final String RESOURCE = "versions.properties";

  private LibraryVersions() {
  }

  /**
   * Versions of {@code lethe}, {@code deeplearning4j}, {@code nd4j} (as this module was built with them) and of the
   * running {@code java}.
   */
  public static Map<String, String> detect() {
    Properties properties = new Properties();
    try (InputStream in = LibraryVersions.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the lethe-dl4j-models jar; rebuild it");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    Map<String, String> versions = new TreeMap<>();
    properties.forEach((key, value) -> versions.put((String) key, (String) value));
    versions.put("java", System.getProperty("java.version"));
    return versions;
  }
}
