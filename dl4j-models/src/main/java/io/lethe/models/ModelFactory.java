package io.lethe.models;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Builds the initialised, untrained DL4J network a {@link ModelSpec} describes. All networks take flat feature rows,
 * end in a softmax layer trained with cross-entropy, use Adam, Xavier initialisation, the spec's L2 penalty and
 * 32-bit floats.
 *
 * <p>Dropout, when the spec asks for it, is applied to the input of every dense and output layer except one fed by
 * the raw features: it drops hidden units, never input pixels or columns.
 */
public final class ModelFactory {

  private static final int CONV1_FILTERS = 16;
  private static final int CONV2_FILTERS = 32;
  private static final int CONV_KERNEL = 5;
  private static final int POOL = 2;

  private ModelFactory() {
  }

  /**
   * Creates and initialises the network, its weights drawn from {@code initSeed}.
   *
   * <p>{@code MLP_IMAGE} and {@code MLP_TABULAR}: one dense ReLU layer per entry of {@code hiddenLayers}, then the
   * softmax output. {@code CNN_IMAGE}: 5x5 convolution with 16 filters, 2x2 max pooling, 5x5 convolution with 32
   * filters, 2x2 max pooling, one dense ReLU layer per entry of {@code hiddenLayers}, softmax output; it reads the
   * flat rows as {@code imageChannels x imageHeight x imageWidth} images.
   *
   * @param spec     what to build
   * @param initSeed weight initialisation seed, normally {@link Seeds#initSeed}
   */
  public static MultiLayerNetwork create(ModelSpec spec, long initSeed) {
    NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
        .seed(initSeed)
        .dataType(DataType.FLOAT)
        .updater(new Adam(spec.learningRate()))
        .l2(spec.l2())
        .weightInit(WeightInit.XAVIER)
        .list();
    int index = 0;
    boolean fedByRawFeatures = true;
    if (spec.architecture() == Architecture.CNN_IMAGE) {
      layers.layer(index++, new ConvolutionLayer.Builder(CONV_KERNEL, CONV_KERNEL)
          .nOut(CONV1_FILTERS).stride(1, 1).activation(Activation.RELU).build());
      layers.layer(index++, new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
          .kernelSize(POOL, POOL).stride(POOL, POOL).build());
      layers.layer(index++, new ConvolutionLayer.Builder(CONV_KERNEL, CONV_KERNEL)
          .nOut(CONV2_FILTERS).stride(1, 1).activation(Activation.RELU).build());
      layers.layer(index++, new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
          .kernelSize(POOL, POOL).stride(POOL, POOL).build());
      fedByRawFeatures = false;
    }
    for (int width : spec.hiddenLayers()) {
      DenseLayer.Builder dense = new DenseLayer.Builder().nOut(width).activation(Activation.RELU);
      if (spec.dropout() > 0 && !fedByRawFeatures) {
        dense.dropOut(retainProbability(spec));
      }
      layers.layer(index++, dense.build());
      fedByRawFeatures = false;
    }
    OutputLayer.Builder output = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
        .nOut(spec.numClasses()).activation(Activation.SOFTMAX);
    if (spec.dropout() > 0 && !fedByRawFeatures) {
      output.dropOut(retainProbability(spec));
    }
    layers.layer(index, output.build());
    layers.setInputType(spec.architecture() == Architecture.CNN_IMAGE
        ? InputType.convolutionalFlat(spec.imageHeight(), spec.imageWidth(), spec.imageChannels())
        : InputType.feedForward(spec.numFeatures()));
    MultiLayerNetwork network = new MultiLayerNetwork(layers.build());
    network.init();
    return network;
  }

  // DL4J's dropOut(p) takes the probability of KEEPING a unit; the spec holds the probability of dropping it.
  private static double retainProbability(ModelSpec spec) {
    return 1.0 - spec.dropout();
  }
}
