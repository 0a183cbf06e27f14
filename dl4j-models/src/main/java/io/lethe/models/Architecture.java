package io.lethe.models;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The network shapes Lethe can train for one shard; {@link ModelFactory} turns each into a DL4J network. */
public enum Architecture {
  /** Dense ReLU layers over flattened image pixels. */
  MLP_IMAGE("mlp"),
  /** A small LeNet-style convolutional network over flattened image pixels. */
  CNN_IMAGE("cnn"),
  /** Dense ReLU layers over tabular feature columns. */
  MLP_TABULAR("tabular-mlp");

  private final String configName;

  Architecture(String configName) {
    this.configName = configName;
  }

  /** The name used in configuration files and in the model spec JSON. */
  @JsonValue
  public String configName() {
    return configName;
  }

  /**
   * Finds the architecture with the given configuration name.
   *
   * @throws IllegalArgumentException naming the unknown value and listing the valid names
   */
  @JsonCreator
  public static Architecture parse(String name) {
    for (Architecture architecture : values()) {
      if (architecture.configName.equals(name)) {
        return architecture;
      }
    }
    throw new IllegalArgumentException("Unknown architecture '" + name + "'; use one of: "
        + Arrays.stream(values()).map(Architecture::configName).collect(Collectors.joining(", ")));
  }
}
