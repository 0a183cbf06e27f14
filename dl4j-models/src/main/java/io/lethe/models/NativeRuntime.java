package io.lethe.models;

import java.util.Optional;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The native side of ND4J that decides whether training is reproducible: which backend and device run it, how
 * many native threads it uses and which CPU's BLAS kernels it runs. Floating-point reductions can be split
 * differently with a different thread count, so the count is pinned before training and recorded in provenance.
 * OpenBLAS picks its matrix-multiply kernels for the CPU it loads on (Haswell's on an AVX2 machine, SkylakeX's on
 * an AVX-512 one), and those kernels sum in different orders: the same training gives other bits on another CPU
 * model. {@code OPENBLAS_CORETYPE} makes it use one CPU's kernels on every machine, so training checks that the
 * JVM was started with the kernels it is pinned to.
 */
public final class NativeRuntime {

  /** Environment variable read by OpenMP and OpenBLAS when the native libraries load. */
  public static final String OMP_NUM_THREADS = "OMP_NUM_THREADS";

  /**
   * Environment variable that makes OpenBLAS use the named CPU's kernels on any CPU, read once when it loads; unset,
   * it picks the kernels of the CPU it runs on.
   */
  public static final String OPENBLAS_CORETYPE = "OPENBLAS_CORETYPE";

  /**
   * The kernels Lethe trains with unless configured otherwise: Haswell's (AVX2 and FMA), which every x86-64 server
   * CPU since 2013 can run. A CPU without AVX2 cannot run them.
   */
  public static final String DEFAULT_OPENBLAS_CORETYPE = "Haswell";

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

  /**
   * Refuses to train with BLAS kernels other than {@code coretype}'s: OpenBLAS fixes its kernels from
   * {@code OPENBLAS_CORETYPE} when it loads, so this checks the JVM's environment. A blank {@code coretype} accepts
   * whatever this CPU gives (the checkpoints' bits then depend on the machine that trains them); a GPU backend does
   * not use OpenBLAS and is not checked.
   *
   * @throws IllegalStateException if the JVM was started without {@code OPENBLAS_CORETYPE=coretype}
   */
  public static void requireOpenblasCoretype(String coretype) {
    if (Nd4j.getEnvironment().isCPU()) {
      coretypeProblem(coretype, System.getenv(OPENBLAS_CORETYPE)).ifPresent(problem -> {
        throw new IllegalStateException(problem);
      });
    }
  }

  static Optional<String> coretypeProblem(String required, String environment) {
    if (required == null || required.isBlank()) {
      return Optional.empty();
    }
    String actual = environment == null ? "" : environment.trim();
    if (actual.equalsIgnoreCase(required.trim())) {
      return Optional.empty();
    }
    return Optional.of("OpenBLAS picks its kernels by CPU and they change a model's bits, but this JVM was started "
        + (actual.isEmpty() ? "without " + OPENBLAS_CORETYPE : "with " + OPENBLAS_CORETYPE + "=" + actual)
        + " and training is pinned to " + required.trim() + "'s kernels; start it with " + OPENBLAS_CORETYPE + "="
        + required.trim() + " (for Spark: spark.executorEnv." + OPENBLAS_CORETYPE + "=" + required.trim()
        + "; submit/lethe and lethe-submit set it), or set lethe.training.openblas-coretype = \"\" to accept"
        + " machine-dependent checkpoints");
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
