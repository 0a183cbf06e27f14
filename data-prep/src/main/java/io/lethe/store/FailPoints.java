package io.lethe.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Named crash points for tests of the commit protocol. When the system property {@code lethe-failpoint} names a
 * step, that step throws as if the process had died there. When {@code lethe-pausepoint} names it, the process
 * writes the marker file {@code <lethe-pausepoint-dir>/<step>.paused} (holding its pid) and waits there, so that a
 * test in another process can {@code kill -9} it at exactly that moment; a file {@code <step>.continue} in the same
 * folder lets it go on instead. Unset in production, where this costs two property lookups per step.
 */
public final class FailPoints {
  /** System property naming the step to fail at. */
  public static final String PROPERTY = "lethe-failpoint";
  /** System property naming the step to pause at. */
  public static final String PAUSE_PROPERTY = "lethe-pausepoint";
  /** System property naming the local folder where a paused process writes its marker file. */
  public static final String PAUSE_DIR_PROPERTY = "lethe-pausepoint-dir";
  /** Suffix of the marker file a paused process writes. */
  public static final String PAUSED_SUFFIX = ".paused";
  /** Suffix of the file that releases a paused process. */
  public static final String CONTINUE_SUFFIX = ".continue";

  private FailPoints() {}

  /** Throws {@link InjectedFailure} if {@code step} is the configured fail point; waits if it is the pause point. */
  public static void check(String step) {
    if (step.equals(System.getProperty(PROPERTY))) {
      throw new InjectedFailure(step);
    }
    if (step.equals(System.getProperty(PAUSE_PROPERTY))) {
      pause(step);
    }
  }

  private static void pause(String step) {
    String dir = System.getProperty(PAUSE_DIR_PROPERTY);
    if (dir == null) {
      throw new IllegalStateException("System property " + PAUSE_PROPERTY + "=" + step + " needs "
          + PAUSE_DIR_PROPERTY + " to name the folder for its marker file");
    }
    Path folder = Path.of(dir);
    Path release = folder.resolve(step + CONTINUE_SUFFIX);
    try {
      Files.createDirectories(folder);
      // Written beside the marker and renamed onto it, so a watcher never reads a half-written pid.
      Path tmp = folder.resolve(step + PAUSED_SUFFIX + ".tmp");
      Files.writeString(tmp, Long.toString(ProcessHandle.current().pid()), StandardCharsets.UTF_8);
      Files.move(tmp, folder.resolve(step + PAUSED_SUFFIX), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      while (!Files.exists(release)) {
        Thread.sleep(50);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the pause marker of step " + step + " into " + folder, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InjectedFailure(step);
    }
  }

  /** The simulated crash. */
  public static final class InjectedFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InjectedFailure(String step) {
      super("Injected failure at step '" + step + "' (system property " + PROPERTY + ")");
    }
  }
}
