package io.lethe.models;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Copies Java float rows into ND4J matrices in one bulk copy. {@code Nd4j.create(float[], shape, order)} copies
 * value by value through its data buffer's indexer, which was a twentieth of a training step's time and more of a
 * scoring pass; the values, and so every bit that follows, are the same.
 */
final class Matrices {
  private Matrices() {
  }

  /** A new {@code rows x columns} float matrix in row-major ('c') order holding {@code values[offset..]}. */
  static INDArray rowMajor(float[] values, int offset, int rows, int columns) {
    int count = rows * columns;
    if (offset < 0 || rows < 0 || columns < 1 || offset + count > values.length) {
      throw new IllegalArgumentException(rows + " x " + columns + " values from offset " + offset
          + " do not fit in an array of " + values.length);
    }
    INDArray matrix = Nd4j.createUninitialized(DataType.FLOAT, new long[] {rows, columns}, 'c');
    FloatBuffer target = matrix.data().asNioFloat();
    target.put(values, offset, count);
    return matrix;
  }
}
