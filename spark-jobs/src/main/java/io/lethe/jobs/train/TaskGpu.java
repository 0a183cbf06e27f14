package io.lethe.jobs.train;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/** The GPU Spark's resource scheduling assigned to the running task, if any. */
final class TaskGpu {
  /** Spark's resource name for GPUs (spark.executor.resource.gpu.*, spark.task.resource.gpu.*). */
  static final String RESOURCE = "gpu";

  private TaskGpu() {}

  /** The address of the running task's GPU; empty outside a task or when no GPU was requested. */
  static Optional<String> ofCurrentTask() {
    TaskContext context = TaskContext.get();
    return context == null ? Optional.empty() : addressIn(context.resourcesJMap());
  }

  /**
   * The single GPU address among a task's resources.
   *
   * @throws IllegalStateException if the task holds several GPUs: a shard model trains on one device
   */
  static Optional<String> addressIn(Map<String, ResourceInformation> resources) {
    ResourceInformation gpu = resources.get(RESOURCE);
    if (gpu == null || gpu.addresses().length == 0) {
      return Optional.empty();
    }
    if (gpu.addresses().length > 1) {
      throw new IllegalStateException("Spark assigned " + gpu.addresses().length + " GPUs "
          + Arrays.toString(gpu.addresses()) + " to one training task, but a shard model trains on one GPU; set"
          + " spark.task.resource.gpu.amount to 1 (or a fraction such as 0.5 to share a GPU between tasks)");
    }
    return Optional.of(gpu.addresses()[0]);
  }
}
