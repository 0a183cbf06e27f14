package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class RuntimeAndScoringTest {

  @Test
  void threadCountComesFromOmpNumThreadsOrTheProcessorCount() {
    assertThat(NativeRuntime.threadsFrom("3", 8)).isEqualTo(3);
    assertThat(NativeRuntime.threadsFrom(null, 8)).isEqualTo(8);
    assertThat(NativeRuntime.threadsFrom(" ", 8)).isEqualTo(8);
    assertThatThrownBy(() -> NativeRuntime.threadsFrom("two", 8))
        .hasMessage("OMP_NUM_THREADS must be a positive integer, got 'two';"
            + " set it to the native threads per training task (e.g. 1) or unset it");
    assertThatThrownBy(() -> NativeRuntime.threadsFrom("0", 8))
        .hasMessage("OMP_NUM_THREADS must be a positive integer, got '0';"
            + " set it to the native threads per training task (e.g. 1) or unset it");
    // the build runs tests with OMP_NUM_THREADS=1
    assertThat(NativeRuntime.configuredThreads()).isEqualTo(1);
  }

  @Test
  void pinningMatchesBlasToThePoolAndRefusesAPoolOfAnotherSize() {
    // move BLAS off the pinned count, so the test sees pinning put it back
    Nd4j.factory().blas().setMaxThreads(2);

    NativeRuntime.pinThreads(1);

    assertThat(NativeRuntime.currentThreads()).isEqualTo(1);
    assertThat(NativeRuntime.blasThreads()).isEqualTo(1);
    assertThatThrownBy(() -> NativeRuntime.pinThreads(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("ND4J's native thread pool has 1 threads, fixed when the native library loaded, but"
            + " training is to be pinned to 2; start the JVM with OMP_NUM_THREADS=2"
            + " (for Spark: spark.executorEnv.OMP_NUM_THREADS=2)");
    assertThat(NativeRuntime.blasThreads()).isEqualTo(1);
    assertThatThrownBy(() -> NativeRuntime.pinThreads(0)).hasMessage("native threads must be >= 1, got 0");
  }

  @Test
  void trainingRefusesTheBlasKernelsOfAnotherCpu() {
    // the build runs tests with OPENBLAS_CORETYPE=Haswell
    NativeRuntime.requireOpenblasCoretype("haswell");
    NativeRuntime.requireOpenblasCoretype("");

    assertThatThrownBy(() -> NativeRuntime.requireOpenblasCoretype("SkylakeX"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("this JVM was started with OPENBLAS_CORETYPE=Haswell and training is pinned to"
            + " SkylakeX's kernels; start it with OPENBLAS_CORETYPE=SkylakeX");
    assertThat(NativeRuntime.coretypeProblem("Haswell", null)).hasValueSatisfying(problem ->
        assertThat(problem).contains("started without OPENBLAS_CORETYPE and training is pinned to Haswell's"));
    assertThat(NativeRuntime.coretypeProblem("Haswell", " HASWELL ")).isEmpty();
  }

  @Test
  void reportsTheCpuBackend() {
    assertThat(NativeRuntime.backendName()).isEqualTo("CpuBackend");
    assertThat(NativeRuntime.deviceName()).isEqualTo("cpu");
  }

  @Test
  void libraryVersionsNameAllFourLibraries() {
    assertThat(LibraryVersions.detect())
        .containsEntry("deeplearning4j", "1.0.0-M2.1")
        .containsEntry("nd4j", "1.0.0-M2.1")
        .containsEntry("java", System.getProperty("java.version"))
        .containsEntry("lethe", "0.1.0-SNAPSHOT");
  }

  @Test
  void minibatchedScoringEqualsOneBigBatch() {
    MultiLayerNetwork network = ModelFactory.create(Fixtures.tinyTabular().build(), 3);
    SliceData rows = Blobs.slices(9, 7).get(0);

    float[][] whole = Scoring.predictProbabilities(network, rows.features(), 7, Blobs.FEATURES, 7);
    float[][] batched = Scoring.predictProbabilities(network, rows.features(), 7, Blobs.FEATURES, 3);

    assertThat(batched).hasDimensions(7, 3).isEqualTo(whole);
    for (float[] row : batched) {
      assertThat(row[0] + row[1] + row[2]).isCloseTo(1f, within(1e-5f));
    }
    assertThatThrownBy(() -> Scoring.predictProbabilities(network, rows.features(), 8, Blobs.FEATURES, 3))
        .hasMessage("features hold 140 values, but 8 rows x 20 features need 160");
  }

  @Test
  void sliceDataChecksItsCounts() {
    assertThat(SliceData.empty(4).size()).isZero();
    assertThatThrownBy(() -> new SliceData(2, List.of("a", "b"), new float[4], new int[] {1}))
        .hasMessage("slice 2 has 2 record ids but 1 labels; every row needs exactly one id and one label");
    assertThatThrownBy(() -> new SliceData(2, List.of("a", "b"), new float[5], new int[] {1, 0}))
        .hasMessage("slice 2 has 5 feature values for 2 rows, which is not a whole number of values per row");
    assertThatThrownBy(() -> new SliceData(-1, List.of(), new float[0], new int[0]))
        .hasMessage("slice must be >= 0, got -1");
  }

  @Test
  void trainerBuilderNamesMissingSettings() {
    assertThatThrownBy(() -> ShardTrainer.builder().shard(0).numSlices(1).build())
        .hasMessage("ShardTrainer needs a spec; call spec(ModelSpec) first");
    assertThatThrownBy(() -> ShardTrainer.builder().spec(ModelSpec.builder().build()).numSlices(2).build())
        .hasMessage("ShardTrainer needs shard >= 0, got null");
    assertThatThrownBy(() -> ShardTrainer.builder().spec(ModelSpec.builder().build()).shard(1).numSlices(0).build())
        .hasMessage("ShardTrainer needs numSlices >= 1, got 0");
    assertThatThrownBy(() -> ShardTrainer.builder().spec(ModelSpec.builder().build()).shard(1).numSlices(2)
        .nativeThreads(0).build())
        .hasMessage("ShardTrainer needs nativeThreads >= 1, got 0");
  }
}
