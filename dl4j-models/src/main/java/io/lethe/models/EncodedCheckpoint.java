package io.lethe.models;

/**
 * A model checkpoint as the bytes of a DL4J model zip and their SHA-256, its content address. The byte array is not
 * copied; do not change it.
 *
 * @param zipBytes the zip written by {@link CheckpointCodec#encode}
 * @param sha256   lowercase hex SHA-256 of {@code zipBytes}
 */
public record EncodedCheckpoint(byte[] zipBytes, String sha256) {

  /** Requires both parts; {@link CheckpointCodec#decode} is where bytes and hash are checked against each other. */
  public EncodedCheckpoint {
    if (zipBytes == null || sha256 == null) {
      throw new IllegalArgumentException("an encoded checkpoint needs both zipBytes and sha256, got null "
          + (zipBytes == null ? "zipBytes" : "sha256"));
    }
  }
}
