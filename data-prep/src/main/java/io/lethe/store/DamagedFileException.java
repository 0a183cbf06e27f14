package io.lethe.store;

/**
 * A file in the store whose bytes are not what its name or checksum promise (a damaged checkpoint, for one). Not
 * the user's input at fault: the CLI exits 1, and the message says how to repair it.
 */
public class DamagedFileException extends StoreException {
  private static final long serialVersionUID = 1L;

  public DamagedFileException(String message) {
    super(message);
  }

  public DamagedFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
