package io.lethe.models;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Everything that decides what network a shard trains and how: architecture, sizes, optimiser settings, epochs and
 * the root seed. Two trainings with equal specs (same {@link #configHash()}) on equal data give identical
 * checkpoints.
 *
 * @param architecture  the network shape
 * @param numFeatures   length of one feature row (for images: height x width x channels, flattened row-major)
 * @param numClasses    number of label classes, at least 2
 * @param hiddenLayers  widths of the dense ReLU layers, in order (after the convolutions for {@code CNN_IMAGE});
 *                      may be empty
 * @param imageHeight   image height in pixels (used by {@code CNN_IMAGE})
 * @param imageWidth    image width in pixels (used by {@code CNN_IMAGE})
 * @param imageChannels image channels (used by {@code CNN_IMAGE})
 * @param learningRate  Adam learning rate
 * @param l2            L2 penalty on weights; 0 disables it
 * @param dropout       probability of dropping a hidden unit during training; 0 disables dropout
 * @param batchSize     examples per minibatch
 * @param epochs        epochs an unsliced model would train; slices divide it, see {@link #epochsPerSlice(int)}
 * @param seed          root seed from which every initialisation and ordering seed is derived
 */
public record ModelSpec(
    Architecture architecture,
    int numFeatures,
    int numClasses,
    List<Integer> hiddenLayers,
    int imageHeight,
    int imageWidth,
    int imageChannels,
    double learningRate,
    double l2,
    double dropout,
    int batchSize,
    int epochs,
    long seed) {

  /** Smallest image side the fixed 5x5-conv, 2x2-pool, 5x5-conv, 2x2-pool stack of {@code CNN_IMAGE} accepts. */
  public static final int MIN_CNN_IMAGE_SIDE = 16;

  /** Validates every field; messages name the bad value. */
  public ModelSpec {
    if (architecture == null) {
      throw new IllegalArgumentException("architecture must be set; use one of: mlp, cnn, tabular-mlp");
    }
    requireAtLeast("numFeatures", numFeatures, 1);
    requireAtLeast("numClasses", numClasses, 2);
    if (hiddenLayers == null) {
      throw new IllegalArgumentException("hiddenLayers must be a list (empty for no hidden layer), got null");
    }
    for (int i = 0; i < hiddenLayers.size(); i++) {
      Integer width = hiddenLayers.get(i);
      if (width == null || width < 1) {
        throw new IllegalArgumentException(
            "hiddenLayers[" + i + "] must be >= 1, got " + width + " in " + hiddenLayers);
      }
    }
    hiddenLayers = List.copyOf(hiddenLayers);
    requireAtLeast("imageHeight", imageHeight, 1);
    requireAtLeast("imageWidth", imageWidth, 1);
    requireAtLeast("imageChannels", imageChannels, 1);
    if (architecture == Architecture.CNN_IMAGE) {
      long pixels = (long) imageHeight * imageWidth * imageChannels;
      if (pixels != numFeatures) {
        throw new IllegalArgumentException("cnn needs numFeatures == imageHeight * imageWidth * imageChannels, got "
            + numFeatures + " != " + imageHeight + " * " + imageWidth + " * " + imageChannels + " = " + pixels);
      }
      if (imageHeight < MIN_CNN_IMAGE_SIDE || imageWidth < MIN_CNN_IMAGE_SIDE) {
        throw new IllegalArgumentException("cnn needs images of at least " + MIN_CNN_IMAGE_SIDE + "x"
            + MIN_CNN_IMAGE_SIDE + " pixels, got " + imageHeight + "x" + imageWidth
            + "; use mlp for smaller images");
      }
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be a finite number > 0, got " + learningRate);
    }
    if (!(l2 >= 0) || Double.isInfinite(l2)) {
      throw new IllegalArgumentException("l2 must be a finite number >= 0, got " + l2);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException(
          "dropout is the probability of dropping a unit and must be in [0, 1), got " + dropout);
    }
    requireAtLeast("batchSize", batchSize, 1);
    requireAtLeast("epochs", epochs, 1);
  }

  private static void requireAtLeast(String name, int value, int minimum) {
    if (value < minimum) {
      throw new IllegalArgumentException(name + " must be >= " + minimum + ", got " + value);
    }
  }

  /** A builder preset to a 784-pixel, 10-class MLP (Fashion-MNIST shaped); see {@link Builder} for defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Epochs each slice stage trains when the shard is cut into {@code numSlices} slices: the SISA paper's
   * {@code ceil(2 * epochs / (numSlices + 1))}, at least 1, so that sliced training costs about as much as
   * training the shard once for {@code epochs} epochs.
   *
   * @throws IllegalArgumentException if {@code numSlices < 1}
   */
  public int epochsPerSlice(int numSlices) {
    if (numSlices < 1) {
      throw new IllegalArgumentException("numSlices must be >= 1, got " + numSlices);
    }
    long perSlice = (2L * epochs + numSlices) / (numSlices + 1L);
    return (int) Math.max(1, perSlice);
  }

  /** Canonical JSON: keys in alphabetical order, no whitespace, so equal specs give equal strings. */
  public String toJson() {
    return Json.write(Json.STRICT, this);
  }

  /**
   * Reads a spec written by {@link #toJson()}.
   *
   * @throws IllegalArgumentException if the JSON is malformed, misses or adds a field, or holds an invalid value
   */
  public static ModelSpec fromJson(String json) {
    return Json.read(Json.STRICT, json, ModelSpec.class, "model spec");
  }

  /** SHA-256 (hex) of {@link #toJson()}: identifies the training configuration in provenance. */
  @JsonIgnore
  public String configHash() {
    return Hashing.sha256Hex(toJson().getBytes(StandardCharsets.UTF_8));
  }

  /** Builds a {@link ModelSpec}, starting from the defaults documented on each setter. */
  public static final class Builder {
    private Architecture architecture = Architecture.MLP_IMAGE;
    private int numFeatures = 784;
    private int numClasses = 10;
    private List<Integer> hiddenLayers = List.of(256, 128);
    private int imageHeight = 28;
    private int imageWidth = 28;
    private int imageChannels = 1;
    private double learningRate = 1e-3;
    private double l2 = 1e-4;
    private double dropout = 0;
    private int batchSize = 128;
    private int epochs = 10;
    private long seed = 42;

    private Builder() {
    }

    /** Default {@code MLP_IMAGE}. */
    public Builder architecture(Architecture architecture) {
      this.architecture = architecture;
      return this;
    }

    /** Default 784. */
    public Builder numFeatures(int numFeatures) {
      this.numFeatures = numFeatures;
      return this;
    }

    /** Default 10. */
    public Builder numClasses(int numClasses) {
      this.numClasses = numClasses;
      return this;
    }

    /** Default [256, 128]. */
    public Builder hiddenLayers(List<Integer> hiddenLayers) {
      this.hiddenLayers = hiddenLayers;
      return this;
    }

    /** Default 28. */
    public Builder imageHeight(int imageHeight) {
      this.imageHeight = imageHeight;
      return this;
    }

    /** Default 28. */
    public Builder imageWidth(int imageWidth) {
      this.imageWidth = imageWidth;
      return this;
    }

    /** Default 1. */
    public Builder imageChannels(int imageChannels) {
      this.imageChannels = imageChannels;
      return this;
    }

    /** Default 1e-3. */
    public Builder learningRate(double learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    /** Default 1e-4. */
    public Builder l2(double l2) {
      this.l2 = l2;
      return this;
    }

    /** Probability of dropping a hidden unit; default 0 (no dropout). */
    public Builder dropout(double dropout) {
      this.dropout = dropout;
      return this;
    }

    /** Default 128. */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Default 10. */
    public Builder epochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    /** Default 42. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** @throws IllegalArgumentException naming the first invalid value */
    public ModelSpec build() {
      return new ModelSpec(architecture, numFeatures, numClasses, hiddenLayers, imageHeight, imageWidth,
          imageChannels, learningRate, l2, dropout, batchSize, epochs, seed);
    }
  }
}
