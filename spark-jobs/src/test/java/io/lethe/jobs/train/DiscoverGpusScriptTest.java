package io.lethe.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.jobs.testing.RepoFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs conf/gpu/discover-gpus.sh against a fake nvidia-smi on a PATH that holds nothing else. */
class DiscoverGpusScriptTest {
  @TempDir Path bin;

  record Result(int code, String out, String err) {}

  private Result discover() throws IOException, InterruptedException {
    Path uname = bin.resolve("uname");
    if (!Files.exists(uname)) {
      Files.createSymbolicLink(uname, Path.of("/bin/uname"));
    }
    ProcessBuilder builder = new ProcessBuilder("/bin/bash", RepoFiles.path("conf/gpu/discover-gpus.sh").toString());
    builder.environment().put("PATH", bin.toString());
    Path out = bin.resolve("out.txt");
    Path err = bin.resolve("err.txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    int code = process.waitFor();
    return new Result(code, Files.readString(out), Files.readString(err));
  }

  private void fakeNvidiaSmi(String output) throws IOException {
    Path script = bin.resolve("nvidia-smi");
    Files.writeString(script, "#!/bin/sh\n" + output + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String host() throws IOException, InterruptedException {
    Process process = new ProcessBuilder("/bin/uname", "-n").start();
    String name = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    process.waitFor();
    return name;
  }

  @Test
  void printsEveryGpuIndexInTheJsonSparkParses() throws Exception {
    fakeNvidiaSmi("printf '0\\n1\\n2\\n'");
    Result result = discover();
    assertThat(result.code()).isZero();
    assertThat(result.err()).isEmpty();
    assertThat(result.out()).isEqualTo("{\"name\": \"gpu\", \"addresses\": [\"0\",\"1\",\"2\"]}\n");
    // the parser Spark applies to a discovery script's output (Spark-internal: an upgrade that changes it shows here)
    ResourceInformation parsed = ResourceInformation.parseJson(result.out());
    assertThat(parsed.name()).isEqualTo("gpu");
    assertThat(parsed.addresses()).containsExactly("0", "1", "2");
  }

  @Test
  void saysSoWhenNvidiaSmiIsMissing() throws Exception {
    Result result = discover();
    assertThat(result.code()).isEqualTo(1);
    assertThat(result.out()).isEmpty();
    assertThat(result.err()).isEqualTo("discover-gpus.sh: nvidia-smi not found on " + host() + " (PATH=" + bin
        + "). Install the NVIDIA driver on this GPU worker, or remove the spark.*.resource.gpu.* settings to run"
        + " Lethe on CPUs.\n");
  }

  @Test
  void reportsAFailingNvidiaSmiAndAMachineWithoutGpus() throws Exception {
    fakeNvidiaSmi("echo 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.'; exit 9");
    Result failed = discover();
    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.err()).isEqualTo("discover-gpus.sh: nvidia-smi failed on " + host() + ": NVIDIA-SMI has"
        + " failed because it could not communicate with the NVIDIA driver.\n");

    fakeNvidiaSmi("true");
    Result none = discover();
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.out()).isEmpty();
    assertThat(none.err()).isEqualTo("discover-gpus.sh: nvidia-smi lists no GPU on " + host() + "; check the driver"
        + " (nvidia-smi -L), or remove the spark.*.resource.gpu.* settings to run Lethe on CPUs.\n");
  }
}
