package io.lethe.jobs.cli;

import io.lethe.jobs.train.BuildInfo;
import java.util.Map;
import picocli.CommandLine;

/** {@code lethe --version}: Lethe and the library versions it records in provenance. */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    Map<String, String> v = BuildInfo.libraryVersions();
    return new String[] {
        "lethe " + v.get("lethe"),
        "deeplearning4j " + v.get("deeplearning4j") + ", spark " + v.get("spark") + ", java " + v.get("java")};
  }
}
