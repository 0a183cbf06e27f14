package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelSpecTest {

  @Test
  void defaultsDescribeAFashionMnistMlp() {
    ModelSpec spec = ModelSpec.builder().build();

    assertThat(spec).isEqualTo(new ModelSpec(Architecture.MLP_IMAGE, 784, 10, List.of(256, 128), 28, 28, 1, 1e-3,
        1e-4, 0, 128, 10, 42));
  }

  @Test
  void rejectsInvalidValuesNamingThem() {
    assertThatThrownBy(() -> ModelSpec.builder().numClasses(1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("numClasses must be >= 2, got 1");
    assertThatThrownBy(() -> ModelSpec.builder().numFeatures(0).build())
        .hasMessage("numFeatures must be >= 1, got 0");
    assertThatThrownBy(() -> ModelSpec.builder().hiddenLayers(List.of(64, 0)).build())
        .hasMessage("hiddenLayers[1] must be >= 1, got 0 in [64, 0]");
    assertThatThrownBy(() -> ModelSpec.builder().hiddenLayers(Arrays.asList(64, null)).build())
        .hasMessage("hiddenLayers[1] must be >= 1, got null in [64, null]");
    assertThatThrownBy(() -> ModelSpec.builder().learningRate(0).build())
        .hasMessage("learningRate must be a finite number > 0, got 0.0");
    assertThatThrownBy(() -> ModelSpec.builder().l2(Double.NaN).build())
        .hasMessage("l2 must be a finite number >= 0, got NaN");
    assertThatThrownBy(() -> ModelSpec.builder().dropout(1).build())
        .hasMessage("dropout is the probability of dropping a unit and must be in [0, 1), got 1.0");
    assertThatThrownBy(() -> ModelSpec.builder().batchSize(0).build())
        .hasMessage("batchSize must be >= 1, got 0");
    assertThatThrownBy(() -> ModelSpec.builder().epochs(-3).build())
        .hasMessage("epochs must be >= 1, got -3");
    assertThatThrownBy(() -> ModelSpec.builder().architecture(null).build())
        .hasMessage("architecture must be set; use one of: mlp, cnn, tabular-mlp");
  }

  @Test
  void cnnNeedsFeaturesToMatchTheImageAndAtLeast16Pixels() {
    assertThatThrownBy(() -> ModelSpec.builder().architecture(Architecture.CNN_IMAGE).numFeatures(700).build())
        .hasMessage("cnn needs numFeatures == imageHeight * imageWidth * imageChannels, got 700 != 28 * 28 * 1 = 784");
    assertThatThrownBy(() -> ModelSpec.builder().architecture(Architecture.CNN_IMAGE).numFeatures(144)
        .imageHeight(12).imageWidth(12).build())
        .hasMessage("cnn needs images of at least 16x16 pixels, got 12x12; use mlp for smaller images");
    assertThat(ModelSpec.builder().architecture(Architecture.MLP_TABULAR).numFeatures(700).build().numFeatures())
        .isEqualTo(700);
  }

  @Test
  void epochsPerSliceFollowsTheSisaRule() {
    ModelSpec tenEpochs = ModelSpec.builder().epochs(10).build();

    assertThat(tenEpochs.epochsPerSlice(4)).isEqualTo(4);
    assertThat(tenEpochs.epochsPerSlice(1)).isEqualTo(10);
    assertThat(tenEpochs.epochsPerSlice(2)).isEqualTo(7);
    assertThat(tenEpochs.epochsPerSlice(50)).isEqualTo(1);
    assertThat(ModelSpec.builder().epochs(1).build().epochsPerSlice(1000)).isEqualTo(1);
    assertThatThrownBy(() -> tenEpochs.epochsPerSlice(0)).hasMessage("numSlices must be >= 1, got 0");
  }

  @Test
  void jsonIsCanonicalAndRoundTrips() {
    ModelSpec spec = ModelSpec.builder().architecture(Architecture.CNN_IMAGE).hiddenLayers(List.of(64))
        .dropout(0.25).seed(-5).build();

    assertThat(spec.toJson()).isEqualTo("{\"architecture\":\"cnn\",\"batchSize\":128,\"dropout\":0.25,\"epochs\":10,"
        + "\"hiddenLayers\":[64],\"imageChannels\":1,\"imageHeight\":28,\"imageWidth\":28,\"l2\":1.0E-4,"
        + "\"learningRate\":0.001,\"numClasses\":10,\"numFeatures\":784,\"seed\":-5}");
    assertThat(ModelSpec.fromJson(spec.toJson())).isEqualTo(spec);
  }

  @Test
  void configHashIsTheSha256OfTheJsonAndStable() {
    ModelSpec spec = ModelSpec.builder().build();

    // printf '%s' "$json" | sha256sum
    assertThat(spec.toJson()).isEqualTo("{\"architecture\":\"mlp\",\"batchSize\":128,\"dropout\":0.0,\"epochs\":10,"
        + "\"hiddenLayers\":[256,128],\"imageChannels\":1,\"imageHeight\":28,\"imageWidth\":28,\"l2\":1.0E-4,"
        + "\"learningRate\":0.001,\"numClasses\":10,\"numFeatures\":784,\"seed\":42}");
    assertThat(spec.configHash()).isEqualTo("a8268963b81a6da7f54b2c121649f8e8d8024e68d362f9933d8e34270ce9339d");
    assertThat(spec.configHash()).isEqualTo(ModelSpec.fromJson(spec.toJson()).configHash());
    assertThat(ModelSpec.builder().seed(43).build().configHash()).isNotEqualTo(spec.configHash());
  }

  @Test
  void fromJsonRejectsUnknownMissingAndInvalidFields() {
    String json = ModelSpec.builder().build().toJson();

    assertThatThrownBy(() -> ModelSpec.fromJson(json.replace("\"numClasses\":10", "\"numClasses\":1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid model spec JSON: numClasses must be >= 2, got 1");
    assertThatThrownBy(() -> ModelSpec.fromJson(json.replace("\"architecture\":\"mlp\"", "\"architecture\":\"rnn\"")))
        .hasMessage("Invalid model spec JSON: Unknown architecture 'rnn'; use one of: mlp, cnn, tabular-mlp");
    assertThatThrownBy(() -> ModelSpec.fromJson(json.replace("\"seed\":42", "\"seed\":42,\"momentum\":0.9")))
        .hasMessageStartingWith("Invalid model spec JSON: Unrecognized field \"momentum\"");
    assertThatThrownBy(() -> ModelSpec.fromJson(json.replace(",\"seed\":42", "")))
        .hasMessageStartingWith("Invalid model spec JSON: Missing creator property 'seed'");
  }

  @Test
  void architectureParsesConfigNames() {
    assertThat(Architecture.parse("tabular-mlp")).isEqualTo(Architecture.MLP_TABULAR);
    assertThat(Architecture.CNN_IMAGE.configName()).isEqualTo("cnn");
    assertThatThrownBy(() -> Architecture.parse("MLP"))
        .hasMessage("Unknown architecture 'MLP'; use one of: mlp, cnn, tabular-mlp");
  }
}
