package io.lethe.models;

import java.util.OptionalInt;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the calling thread's ND4J work to the GPU a scheduler assigned to it, so that concurrent training tasks
 * in one process each use their own GPU instead of the one ND4J would pick. On the CPU backend there is nothing to
 * bind and the assignment is only logged.
 */
public final class GpuBinder {
  private static final Logger LOG = LoggerFactory.getLogger(GpuBinder.class);

  /** The ND4J operations the binder needs; tests substitute a CUDA-like runtime. */
  interface Devices {
    boolean isCuda();

    String backendName();

    int count();

    void bindCurrentThread(int device);
  }

  private static final Devices ND4J = new Devices() {
    @Override
    public boolean isCuda() {
      return !Nd4j.getEnvironment().isCPU();
    }

    @Override
    public String backendName() {
      return NativeRuntime.backendName();
    }

    @Override
    public int count() {
      return Nd4j.getAffinityManager().getNumberOfDevices();
    }

    @Override
    public void bindCurrentThread(int device) {
      Nd4j.getAffinityManager().unsafeSetDevice(device);
    }
  };

  private GpuBinder() {
  }

  /**
   * Makes the calling thread's ND4J work run on the GPU the scheduler calls {@code address} (see
   * {@link GpuAddresses}), honouring this process's {@code CUDA_VISIBLE_DEVICES}. Call it before the thread creates
   * any array.
   *
   * @return the CUDA device index now bound, or empty on the CPU backend
   * @throws IllegalArgumentException if the address is missing, malformed or not visible to this process
   * @throws IllegalStateException if ND4J sees fewer devices than the address maps to
   */
  public static OptionalInt bindCurrentThread(String address) {
    return bind(address, System.getenv(GpuAddresses.CUDA_VISIBLE_DEVICES), ND4J);
  }

  static OptionalInt bind(String address, String cudaVisibleDevices, Devices devices) {
    if (!devices.isCuda()) {
      LOG.warn("GPU '{}' was assigned to this task, but ND4J runs the {} backend: training uses the CPU and the GPU"
          + " stays idle (build with -Pcuda to train on it)", address, devices.backendName());
      return OptionalInt.empty();
    }
    int device = GpuAddresses.deviceIndex(address, cudaVisibleDevices);
    int count = devices.count();
    if (device >= count) {
      throw new IllegalStateException("GPU address '" + address + "' is CUDA device " + device + " in this process"
          + " (" + GpuAddresses.CUDA_VISIBLE_DEVICES + "=" + describe(cudaVisibleDevices) + "), but ND4J sees only "
          + count + " device(s); make the discovery script report only GPUs of this machine that CUDA can see");
    }
    devices.bindCurrentThread(device);
    LOG.info("Bound this thread to CUDA device {} of {} ({} backend, GPU address '{}', {}={})", device, count,
        devices.backendName(), address, GpuAddresses.CUDA_VISIBLE_DEVICES, describe(cudaVisibleDevices));
    return OptionalInt.of(device);
  }

  private static String describe(String cudaVisibleDevices) {
    return cudaVisibleDevices == null ? "unset" : "'" + cudaVisibleDevices + "'";
  }
}
