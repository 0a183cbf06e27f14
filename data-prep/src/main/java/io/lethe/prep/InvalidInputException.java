package io.lethe.prep;

/**
 * Input data that cannot be prepared: a missing or malformed file, a missing column, or rows that fail validation.
 * The message names the input, the offending values and what to do; nothing was written to the store.
 */
public class InvalidInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
