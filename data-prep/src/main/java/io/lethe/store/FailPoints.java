package io.lethe.store;

/**
 * Named crash points for tests of the commit protocol: when the system property {@code lethe-failpoint} names a
 * step, that step throws as if the process had died there. Unset in production, where this costs one property
 * lookup per step.
 */
public final class FailPoints {
  /** System property naming the step to fail at. */
  public static final String PROPERTY = "lethe-failpoint";

  private FailPoints() {}

  /** Throws {@link InjectedFailure} if {@code step} is the configured fail point. */
  public static void check(String step) {
    if (step.equals(System.getProperty(PROPERTY))) {
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
