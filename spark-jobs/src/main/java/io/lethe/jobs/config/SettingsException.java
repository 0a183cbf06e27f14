package io.lethe.jobs.config;

/** A setting that is unknown, malformed or out of range; the message names the key and the bad value. */
public final class SettingsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SettingsException(String message) {
    super(message);
  }

  public SettingsException(String message, Throwable cause) {
    super(message, cause);
  }
}
