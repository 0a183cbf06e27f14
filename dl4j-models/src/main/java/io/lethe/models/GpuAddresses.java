package io.lethe.models;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Maps the GPU address a cluster scheduler assigned to a task to the CUDA device index ND4J uses in this process.
 *
 * <p>Schedulers name GPUs the way {@code nvidia-smi} does: by index ({@code "0"}, {@code "1"}, ...) over all GPUs of
 * the machine, or by UUID ({@code "GPU-5d0e..."}). {@code nvidia-smi} ignores {@code CUDA_VISIBLE_DEVICES}, but CUDA
 * does not: a process sees only the GPUs listed there, renumbered 0, 1, ... in the order listed. So with
 * {@code CUDA_VISIBLE_DEVICES=2,3} the GPU {@code nvidia-smi} calls 3 is device 1 for ND4J. As in CUDA, the list ends
 * at its first entry that is neither an index nor a UUID ({@code -1} hides every GPU), and an entry may be a UUID
 * prefix.
 */
public final class GpuAddresses {
  /** Environment variable that restricts and renumbers the GPUs CUDA shows a process. */
  public static final String CUDA_VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES";

  private static final Pattern INDEX = Pattern.compile("[0-9]{1,9}");
  private static final Pattern UUID = Pattern.compile("(GPU|MIG)-[0-9A-Za-z/\\-]+");

  private GpuAddresses() {
  }

  /**
   * The CUDA device index, in a process whose environment has {@code cudaVisibleDevices}, of the GPU the scheduler
   * calls {@code address}.
   *
   * @param address the assigned GPU: an {@code nvidia-smi} index or a GPU/MIG UUID
   * @param cudaVisibleDevices the value of {@code CUDA_VISIBLE_DEVICES}, or null when it is not set
   * @throws IllegalArgumentException if the address is missing or malformed, or this process cannot see that GPU
   */
  public static int deviceIndex(String address, String cudaVisibleDevices) {
    String gpu = parseAddress(address);
    if (cudaVisibleDevices == null) {
      if (isIndex(gpu)) {
        return Integer.parseInt(gpu);
      }
      throw new IllegalArgumentException("GPU address '" + gpu + "' is a UUID, but " + CUDA_VISIBLE_DEVICES
          + " is not set, so nothing maps it to a device index; make the discovery script report indices"
          + " (nvidia-smi --query-gpu=index) or set " + CUDA_VISIBLE_DEVICES + " to the GPUs' UUIDs");
    }
    List<String> visible = visibleDevices(cudaVisibleDevices);
    if (visible.isEmpty()) {
      throw new IllegalArgumentException("GPU address '" + gpu + "' was assigned, but " + CUDA_VISIBLE_DEVICES
          + "='" + cudaVisibleDevices + "' hides every GPU from this process; unset it in the executor"
          + " environment or list the assigned GPUs in it");
    }
    for (int device = 0; device < visible.size(); device++) {
      if (sameGpu(visible.get(device), gpu)) {
        return device;
      }
    }
    boolean indexAddress = isIndex(gpu);
    if (visible.stream().noneMatch(entry -> isIndex(entry) == indexAddress)) {
      throw new IllegalArgumentException("GPU address '" + gpu + "' is " + (indexAddress
          ? "an index but " + CUDA_VISIBLE_DEVICES + "='" + cudaVisibleDevices + "' lists UUIDs, so the two cannot"
              + " be matched; make the discovery script report UUIDs (nvidia-smi --query-gpu=uuid) or list"
              + " indices in " + CUDA_VISIBLE_DEVICES
          : "a UUID but " + CUDA_VISIBLE_DEVICES + "='" + cudaVisibleDevices + "' lists indices, so the two cannot"
              + " be matched; make the discovery script report indices (nvidia-smi --query-gpu=index) or list"
              + " UUIDs in " + CUDA_VISIBLE_DEVICES));
    }
    throw new IllegalArgumentException("GPU address '" + gpu + "' is not among the GPUs " + CUDA_VISIBLE_DEVICES
        + "='" + cudaVisibleDevices + "' lets this process see; make the discovery script report only those GPUs"
        + " or unset " + CUDA_VISIBLE_DEVICES + " in the executor environment");
  }

  private static String parseAddress(String address) {
    if (address == null || address.isBlank()) {
      throw new IllegalArgumentException("GPU address is missing (got " + (address == null ? "null" : "'" + address + "'")
          + "); the scheduler must assign a GPU index such as '0' or a UUID such as 'GPU-5d0e...'");
    }
    String gpu = address.trim();
    if (!isIndex(gpu) && !UUID.matcher(gpu).matches()) {
      throw new IllegalArgumentException("GPU address '" + address + "' is neither a GPU index such as '0' nor a"
          + " UUID such as 'GPU-5d0e...'; check what the resource discovery script prints");
    }
    return gpu;
  }

  /** The visible entries in CUDA's order, up to the first one CUDA would reject. */
  private static List<String> visibleDevices(String cudaVisibleDevices) {
    List<String> visible = new ArrayList<>();
    for (String entry : cudaVisibleDevices.split(",", -1)) {
      String device = entry.trim();
      if (!isIndex(device) && !UUID.matcher(device).matches()) {
        break;
      }
      visible.add(device);
    }
    return visible;
  }

  private static boolean sameGpu(String visibleEntry, String address) {
    if (isIndex(visibleEntry) || isIndex(address)) {
      return isIndex(visibleEntry) && isIndex(address)
          && Integer.parseInt(visibleEntry) == Integer.parseInt(address);
    }
    // CUDA accepts any unique prefix of a UUID in CUDA_VISIBLE_DEVICES.
    return address.regionMatches(true, 0, visibleEntry, 0, visibleEntry.length());
  }

  private static boolean isIndex(String value) {
    return INDEX.matcher(value).matches();
  }
}
