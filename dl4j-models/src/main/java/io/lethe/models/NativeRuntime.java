package io.lethe.models;

import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The native side of ND4J that decides whether training is reproducible: which backend and device run it and how
 * many native threads it uses. Floating-point reductions can be split differently with a different thread count,
 * so the count is pinned before training and recorded in provenance.
 */
public final class NativeRuntime {

  /** Environment variable read by OpenMP and OpenBLAS when the native libraries load. */
  public static final String OMP_NUM_THREADS = "OMP_NUM_THREADS";

  private NativeRuntime() {
  }

  /**
   * The thread count this process is configured for: {@code OMP_NUM_THREADS} if set, else the number of
   * processors the JVM sees.
   *
   * @throws IllegalStateException if {@code OMP_NUM_THREADS} is set but not a positive integer
   */
  public static int configuredThreads() {
    return threadsFrom(System.getenv(OMP_NUM_THREADS), Runtime.getRuntime().availableProcessors());
  }

  static int threadsFrom(String ompNumThreads, int availableProcessors) {
    if (ompNumThreads == null || ompNumThreads.isBlank()) {
      return availableProcessors;
    }
    try {
      int threads = Integer.parseInt(ompNumThreads.trim());
      if (threads >= 1) {
        return threads;
      }
    } catch (NumberFormatException e) {
      // falls through to the error below, which names the value
    }
    throw new IllegalStateException(OMP_NUM_THREADS + " must be a positive integer, got '" + ompNumThreads
        + "'; set it to the native threads per training task (e.g. 1) or unset it");
  }

  /**
   * Pins ND4J to {@code threads} native threads: libnd4j's OpenMP pool and master threads, and the BLAS library.
   * Process-wide.
   *
   * <p>libnd4j sizes its pool once, when the native library loads, from {@code OMP_NUM_THREADS} (else the core
   * count); in 1.0.0-M2.1 {@code Environment.setMaxThreads} cannot change it afterwards. So set
   * {@code OMP_NUM_THREADS} to the same value in the environment of the JVM before it starts (for Spark:
   * {@code spark.executorEnv.OMP_NUM_THREADS}); this method then pins BLAS and the master threads to match, and
   * refuses to pretend when the pool has another size.
   *
   * @throws IllegalArgumentException if {@code threads < 1}
   * @throws IllegalStateException    if the CPU backend's thread pool was started with a different size
   */
  public static void pinThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("native threads must be >= 1, got " + threads);
    }
    Environment environment = Nd4j.getEnvironment();
    // Takes effect only in libnd4j versions that can resize the pool; the check below covers the others.
    environment.setMaxThreads(threads);
    if (environment.isCPU() && environment.maxThreads() != threads) {
      throw new IllegalStateException("ND4J's native thread pool has " + environment.maxThreads()
          + " threads, fixed when the native library loaded, but training is to be pinned to " + threads
          + "; start the JVM with " + OMP_NUM_THREADS + "=" + threads
          + " (for Spark: spark.executorEnv." + OMP_NUM_THREADS + "=" + threads + ")");
    }
    environment.setMaxMasterThreads(threads);
    Nd4j.factory().blas().setMaxThreads(threads);
  }

  /** Size of libnd4j's native thread pool. */
  public static int currentThreads() {
    return Nd4j.getEnvironment().maxThreads();
  }

  /** Threads the BLAS library (OpenBLAS on CPU) currently uses. */
  public static int blasThreads() {
    return Nd4j.factory().blas().getMaxThreads();
  }

  /** Simple class name of the ND4J backend in use, e.g. {@code CpuBackend} or {@code JCublasBackend}. */
  public static String backendName() {
    return Nd4j.getBackend().getClass().getSimpleName();
  }

  /** {@code cpu} on a CPU backend, else {@code cuda:<device id>} of the device bound to the calling thread. */
  public static String deviceName() {
    if (Nd4j.getEnvironment().isCPU()) {
      return "cpu";
    }
    return "cuda:" + Nd4j.getAffinityManager().getDeviceForCurrentThread();
  }
}
