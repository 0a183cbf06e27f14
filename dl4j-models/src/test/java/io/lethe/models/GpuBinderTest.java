package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class GpuBinderTest {
  /** A CUDA-like runtime with {@code count} devices that records which device the thread was bound to. */
  static final class RecordingCuda implements GpuBinder.Devices {
    final int count;
    final List<Integer> bound = new ArrayList<>();

    RecordingCuda(int count) {
      this.count = count;
    }

    @Override
    public boolean isCuda() {
      return true;
    }

    @Override
    public String backendName() {
      return "JCublasBackend";
    }

    @Override
    public int count() {
      return count;
    }

    @Override
    public void bindCurrentThread(int device) {
      bound.add(device);
    }
  }

  @Test
  void onTheCpuBackendNothingIsBound() {
    assertThat(GpuBinder.bindCurrentThread("1")).isEmpty();
    assertThat(NativeRuntime.deviceName()).isEqualTo("cpu");
  }

  @Test
  void onCudaTheThreadIsBoundToTheMappedDevice() {
    RecordingCuda cuda = new RecordingCuda(2);
    assertThat(GpuBinder.bind("3", "2,3", cuda)).isEqualTo(OptionalInt.of(1));
    assertThat(GpuBinder.bind("0", null, cuda)).isEqualTo(OptionalInt.of(0));
    assertThat(cuda.bound).containsExactly(1, 0);
  }

  @Test
  void onCudaADeviceBeyondThoseNd4jSeesIsRefusedBeforeBinding() {
    RecordingCuda cuda = new RecordingCuda(2);
    assertThatThrownBy(() -> GpuBinder.bind("2", null, cuda))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("GPU address '2' is CUDA device 2 in this process (CUDA_VISIBLE_DEVICES=unset), but ND4J sees"
            + " only 2 device(s); make the discovery script report only GPUs of this machine that CUDA can see");
    assertThatThrownBy(() -> GpuBinder.bind("7", "5,6,7", cuda))
        .hasMessage("GPU address '7' is CUDA device 2 in this process (CUDA_VISIBLE_DEVICES='5,6,7'), but ND4J"
            + " sees only 2 device(s); make the discovery script report only GPUs of this machine that CUDA can"
            + " see");
    assertThatThrownBy(() -> GpuBinder.bind("x", null, cuda))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("GPU address 'x' is neither a GPU index such as '0' nor a UUID such as 'GPU-5d0e...'; check"
            + " what the resource discovery script prints");
    assertThat(cuda.bound).isEmpty();
  }
}
