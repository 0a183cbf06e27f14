package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

class ModelFactoryTest {

  @Test
  void mlpHasOneDenseLayerPerHiddenWidthThenSoftmax() {
    ModelSpec spec = Fixtures.tinyTabular().hiddenLayers(List.of(16, 8)).build();

    MultiLayerNetwork network = ModelFactory.create(spec, 99);

    assertThat(network.getnLayers()).isEqualTo(3);
    assertThat(layer(network, 0)).isInstanceOf(DenseLayer.class);
    assertThat(sizes(network, 0)).containsExactly(20L, 16L);
    assertThat(sizes(network, 1)).containsExactly(16L, 8L);
    assertThat(layer(network, 2)).isInstanceOf(OutputLayer.class);
    assertThat(sizes(network, 2)).containsExactly(8L, 3L);
    assertThat(network.params().dataType()).isEqualTo(DataType.FLOAT);
    assertThat(((FeedForwardLayer) layer(network, 0)).getIUpdater()).isEqualTo(new Adam(1e-2));
  }

  @Test
  void dropoutIsTheProbabilityOfDroppingAndSparesTheRawFeatures() {
    ModelSpec spec = Fixtures.tinyTabular().hiddenLayers(List.of(16, 8)).dropout(0.3).build();

    MultiLayerNetwork network = ModelFactory.create(spec, 99);

    assertThat(layer(network, 0).getIDropout()).isNull();
    // DL4J's Dropout holds the probability of keeping a unit
    assertThat(layer(network, 1).getIDropout()).isEqualTo(new Dropout(0.7));
    assertThat(layer(network, 2).getIDropout()).isEqualTo(new Dropout(0.7));
    assertThat(layer(ModelFactory.create(Fixtures.tinyTabular().build(), 99), 1).getIDropout()).isNull();
  }

  @Test
  void cnnStacksTwoConvolutionsAndPoolsBeforeTheDenseLayers() {
    ModelSpec spec = ModelSpec.builder().architecture(Architecture.CNN_IMAGE).hiddenLayers(List.of(32)).build();

    MultiLayerNetwork network = ModelFactory.create(spec, 1);

    assertThat(network.getLayerWiseConfigurations().getConfs()).extracting(c -> (Object) c.getLayer().getClass())
        .containsExactly(ConvolutionLayer.class, SubsamplingLayer.class, ConvolutionLayer.class,
            SubsamplingLayer.class, DenseLayer.class, OutputLayer.class);
    assertThat(sizes(network, 0)).containsExactly(1L, 16L);
    assertThat(sizes(network, 2)).containsExactly(16L, 32L);
    // 28 -> conv 24 -> pool 12 -> conv 8 -> pool 4: 4 x 4 x 32 flattened features
    assertThat(sizes(network, 4)).containsExactly(512L, 32L);
    assertThat(network.output(Nd4j.zeros(DataType.FLOAT, 2, 784)).shape())
        .containsExactly(2, 10);
  }

  @Test
  void weightsAreAFunctionOfTheInitSeed() {
    ModelSpec spec = Fixtures.tinyTabular().build();

    assertThat(ModelFactory.create(spec, 5).params()).isEqualTo(ModelFactory.create(spec, 5).params());
    assertThat(ModelFactory.create(spec, 5).params()).isNotEqualTo(ModelFactory.create(spec, 6).params());
  }

  private static Layer layer(MultiLayerNetwork network, int index) {
    return network.getLayerWiseConfigurations().getConf(index).getLayer();
  }

  private static List<Long> sizes(MultiLayerNetwork network, int index) {
    FeedForwardLayer layer = (FeedForwardLayer) layer(network, index);
    return List.of(layer.getNIn(), layer.getNOut());
  }
}
