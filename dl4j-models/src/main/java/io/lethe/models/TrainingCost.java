package io.lethe.models;

import java.util.OptionalDouble;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What training costs in arithmetic, and what this machine can do: the floating-point operations a model needs
 * per training example (from its spec), and the rate of a plain ND4J matrix product of the first layer's shape on
 * the calling thread, the ceiling that training throughput is judged against.
 */
public final class TrainingCost {
  private TrainingCost() {}

  /**
   * Floating-point operations to train on one example: for each dense layer of {@code in} x {@code out} weights,
   * 2 * in * out multiply-adds forward and twice that backward (the gradients of weights and of inputs), so
   * 6 * in * out; activations, loss and the updater are ignored. Empty for architectures with convolutions, whose
   * count this does not model.
   */
  public static OptionalDouble flopsPerExample(ModelSpec spec) {
    if (spec.architecture() == Architecture.CNN_IMAGE) {
      return OptionalDouble.empty();
    }
    double flops = 0;
    int in = spec.numFeatures();
    for (int width : spec.hiddenLayers()) {
      flops += 6.0 * in * width;
      in = width;
    }
    flops += 6.0 * in * spec.numClasses();
    return OptionalDouble.of(flops);
  }

  /** The measured rate of one matrix product shape. */
  public record GemmRate(int m, int k, int n, long products, double seconds, double gflops) {}

  /**
   * Measures an (m x k) by (k x n) float matrix product with ND4J on the calling thread's native settings (pin
   * them first, e.g. with {@link NativeRuntime#pinThreads}): after a warm-up, the best of several timed rounds, so
   * that another process taking the core for a moment lowers the figure as little as possible.
   */
  public static GemmRate measureGemm(int m, int k, int n, double roundSeconds, int rounds) {
    INDArray a = Nd4j.rand(DataType.FLOAT, m, k);
    INDArray b = Nd4j.rand(DataType.FLOAT, k, n);
    INDArray c = Nd4j.create(DataType.FLOAT, m, n);
    for (int i = 0; i < 20; i++) {
      Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
    }
    double flopsPerProduct = 2.0 * m * k * n;
    GemmRate best = null;
    for (int round = 0; round < rounds; round++) {
      long products = 0;
      long start = System.nanoTime();
      long deadline = start + (long) (roundSeconds * 1e9);
      long now;
      do {
        for (int i = 0; i < 10; i++) {
          Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
        }
        products += 10;
        now = System.nanoTime();
      } while (now < deadline);
      double seconds = (now - start) / 1e9;
      GemmRate rate = new GemmRate(m, k, n, products, seconds, products * flopsPerProduct / seconds / 1e9);
      if (best == null || rate.gflops() > best.gflops()) {
        best = rate;
      }
    }
    return best;
  }
}
