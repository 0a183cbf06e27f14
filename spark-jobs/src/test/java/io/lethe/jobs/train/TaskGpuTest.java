package io.lethe.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

class TaskGpuTest {

  @Test
  void takesTheOneGpuAddressOfTheTask() {
    assertThat(TaskGpu.addressIn(Map.of("gpu", new ResourceInformation("gpu", new String[] {"3"})))).contains("3");
  }

  @Test
  void aTaskWithoutGpusHasNone() {
    assertThat(TaskGpu.addressIn(Map.of())).isEmpty();
    assertThat(TaskGpu.addressIn(Map.of("fpga", new ResourceInformation("fpga", new String[] {"0"})))).isEmpty();
    assertThat(TaskGpu.addressIn(Map.of("gpu", new ResourceInformation("gpu", new String[0])))).isEmpty();
    // the driver is not in a task
    assertThat(TaskGpu.ofCurrentTask()).isEmpty();
  }

  @Test
  void refusesSeveralGpusForOneShard() {
    assertThatThrownBy(() -> TaskGpu.addressIn(Map.of("gpu", new ResourceInformation("gpu",
        new String[] {"0", "1"}))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Spark assigned 2 GPUs [0, 1] to one training task, but a shard model trains on one GPU; set"
            + " spark.task.resource.gpu.amount to 1 (or a fraction such as 0.5 to share a GPU between tasks)");
  }
}
