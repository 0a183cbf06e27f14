package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GpuAddressesTest {
  private static final String A = "GPU-5d0e1c2a-1111-2222-3333-444455556666";
  private static final String B = "GPU-9f8e7d6c-aaaa-bbbb-cccc-ddddeeeeffff";

  @Test
  void withoutCudaVisibleDevicesTheIndexIsTheDevice() {
    assertThat(GpuAddresses.deviceIndex("0", null)).isZero();
    assertThat(GpuAddresses.deviceIndex("3", null)).isEqualTo(3);
    assertThat(GpuAddresses.deviceIndex(" 1 ", null)).isEqualTo(1);
  }

  @ParameterizedTest(name = "visible {1}, address {0} -> device {2}")
  @CsvSource(delimiter = ';', value = {
      "3; 2,3; 1",
      "2; 2,3; 0",
      "0; 3,0; 1",
      "1; ' 2 , 1 '; 1",
      "01; 0,1; 1",
      "1; 0,1,-1,2; 1",
      "5; 7,6,5,4; 2"})
  void cudaVisibleDevicesRenumbersInTheOrderListed(String address, String visible, int device) {
    assertThat(GpuAddresses.deviceIndex(address, visible)).isEqualTo(device);
  }

  @Test
  void uuidAddressesMatchUuidEntriesAndTheirPrefixes() {
    assertThat(GpuAddresses.deviceIndex(B, A + "," + B)).isEqualTo(1);
    assertThat(GpuAddresses.deviceIndex(A, B + "," + A)).isEqualTo(1);
    assertThat(GpuAddresses.deviceIndex(B, "GPU-5d0e,GPU-9f8e")).isEqualTo(1);
    assertThat(GpuAddresses.deviceIndex("GPU-9F8E7D6C-AAAA-BBBB-CCCC-DDDDEEEEFFFF", B)).isZero();
    assertThat(GpuAddresses.deviceIndex("MIG-7a1b2c3d-0000-1111-2222-333344445555",
        "MIG-0000,MIG-7a1b2c3d")).isEqualTo(1);
  }

  @Test
  void aMissingAddressIsNamed() {
    assertThatThrownBy(() -> GpuAddresses.deviceIndex(null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("GPU address is missing (got null); the scheduler must assign a GPU index such as '0' or a"
            + " UUID such as 'GPU-5d0e...'");
    assertThatThrownBy(() -> GpuAddresses.deviceIndex(" ", "0"))
        .hasMessage("GPU address is missing (got ' '); the scheduler must assign a GPU index such as '0' or a"
            + " UUID such as 'GPU-5d0e...'");
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {"gpu0", "-1", "1.0", "cuda:1", "0,1", "12345678901", "GPU-"})
  void aMalformedAddressIsNamed(String address) {
    assertThatThrownBy(() -> GpuAddresses.deviceIndex(address, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("GPU address '" + address + "' is neither a GPU index such as '0' nor a UUID such as"
            + " 'GPU-5d0e...'; check what the resource discovery script prints");
  }

  @Test
  void anAddressTheProcessCannotSeeIsRefused() {
    assertThatThrownBy(() -> GpuAddresses.deviceIndex("1", "2,3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("GPU address '1' is not among the GPUs CUDA_VISIBLE_DEVICES='2,3' lets this process see;"
            + " make the discovery script report only those GPUs or unset CUDA_VISIBLE_DEVICES in the executor"
            + " environment");
    // CUDA stops reading the list at the first invalid entry, so GPU 2 is hidden here
    assertThatThrownBy(() -> GpuAddresses.deviceIndex("2", "0,-1,2"))
        .hasMessage("GPU address '2' is not among the GPUs CUDA_VISIBLE_DEVICES='0,-1,2' lets this process see;"
            + " make the discovery script report only those GPUs or unset CUDA_VISIBLE_DEVICES in the executor"
            + " environment");
    assertThatThrownBy(() -> GpuAddresses.deviceIndex(B, A))
        .hasMessage("GPU address '" + B + "' is not among the GPUs CUDA_VISIBLE_DEVICES='" + A + "' lets this"
            + " process see; make the discovery script report only those GPUs or unset CUDA_VISIBLE_DEVICES in the"
            + " executor environment");
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {"''", "-1", "' '", "none"})
  void aListThatHidesEveryGpuIsNamed(String visible) {
    assertThatThrownBy(() -> GpuAddresses.deviceIndex("0", visible))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("GPU address '0' was assigned, but CUDA_VISIBLE_DEVICES='" + visible + "' hides every GPU"
            + " from this process; unset it in the executor environment or list the assigned GPUs in it");
  }

  @Test
  void indicesAndUuidsCannotBeMatched() {
    assertThatThrownBy(() -> GpuAddresses.deviceIndex("1", A + "," + B))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("GPU address '1' is an index but CUDA_VISIBLE_DEVICES='" + A + "," + B + "' lists UUIDs, so"
            + " the two cannot be matched; make the discovery script report UUIDs (nvidia-smi --query-gpu=uuid)"
            + " or list indices in CUDA_VISIBLE_DEVICES");
    assertThatThrownBy(() -> GpuAddresses.deviceIndex(A, "2,3"))
        .hasMessage("GPU address '" + A + "' is a UUID but CUDA_VISIBLE_DEVICES='2,3' lists indices, so the two"
            + " cannot be matched; make the discovery script report indices (nvidia-smi --query-gpu=index) or list"
            + " UUIDs in CUDA_VISIBLE_DEVICES");
    assertThatThrownBy(() -> GpuAddresses.deviceIndex(A, null))
        .hasMessage("GPU address '" + A + "' is a UUID, but CUDA_VISIBLE_DEVICES is not set, so nothing maps it to"
            + " a device index; make the discovery script report indices (nvidia-smi --query-gpu=index) or set"
            + " CUDA_VISIBLE_DEVICES to the GPUs' UUIDs");
  }
}
