package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingCostTest {
  private static ModelSpec spec(Architecture architecture, int features, List<Integer> hidden, int classes) {
    return ModelSpec.builder().architecture(architecture).numFeatures(features).numClasses(classes)
        .hiddenLayers(hidden).imageHeight(28).imageWidth(28).imageChannels(1).learningRate(0.001).l2(0)
        .dropout(0).batchSize(128).epochs(1).seed(1).build();
  }

  @Test
  void theFashionMnistMlpNeedsAbout1point41MegaflopsPerExample() {
    double flops = TrainingCost.flopsPerExample(spec(Architecture.MLP_IMAGE, 784, List.of(256, 128), 10))
        .orElseThrow();
    assertThat(flops).isEqualTo(6.0 * (784 * 256 + 256 * 128 + 128 * 10)).isEqualTo(1_408_512.0);
    assertThat(TrainingCost.flopsPerExample(spec(Architecture.MLP_TABULAR, 64, List.of(), 10)).orElseThrow())
        .isEqualTo(6.0 * 64 * 10);
    assertThat(TrainingCost.flopsPerExample(spec(Architecture.CNN_IMAGE, 784, List.of(64), 10))).isEmpty();
  }

  @Test
  void aGemmMeasurementCountsItsProductsAndRate() {
    TrainingCost.GemmRate rate = TrainingCost.measureGemm(16, 32, 8, 0.05, 2);
    assertThat(rate.products()).isPositive();
    assertThat(rate.seconds()).isGreaterThanOrEqualTo(0.05);
    assertThat(rate.gflops()).isCloseTo(rate.products() * 2.0 * 16 * 32 * 8 / rate.seconds() / 1e9,
        org.assertj.core.data.Offset.offset(1e-9));
  }
}
