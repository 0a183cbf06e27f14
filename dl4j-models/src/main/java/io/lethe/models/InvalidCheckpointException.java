package io.lethe.models;

/**
 * A checkpoint that must not be loaded: its bytes do not hash to its content address, or the zip holds something
 * other than what {@link CheckpointCodec#encode} writes. The message says what to do about it. Unchecked, so
 * that loading can run inside lambdas such as a per-executor model cache.
 */
public final class InvalidCheckpointException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** An invalid checkpoint, described for the operator. */
  public InvalidCheckpointException(String message) {
    super(message);
  }

  /** An invalid checkpoint whose content could not be parsed. */
  public InvalidCheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
