package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MatricesTest {
  @Test
  void holdsTheSameBitsAsNd4jCreateFromAnyOffset() {
    Random random = new Random(3);
    float[] values = new float[5 * 7 + 3];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian();
    }
    values[4] = Float.NaN;
    values[9] = -0.0f;
    float[] window = java.util.Arrays.copyOfRange(values, 3, 3 + 5 * 7);

    INDArray bulk = Matrices.rowMajor(values, 3, 5, 7);
    INDArray reference = Nd4j.create(window, new long[] {5, 7}, 'c');

    assertThat(bulk.shape()).containsExactly(5, 7);
    assertThat(bulk.ordering()).isEqualTo('c');
    assertThat(bulk.getFloat(0, 1)).isNaN();
    float[] got = bulk.data().asFloat();
    float[] expected = reference.data().asFloat();
    assertThat(got).hasSize(expected.length);
    for (int i = 0; i < got.length; i++) {
      assertThat(Float.floatToRawIntBits(got[i])).as("value %d", i)
          .isEqualTo(Float.floatToRawIntBits(expected[i]));
    }
    assertThat(bulk.getFloat(1, 2)).isEqualTo(values[3 + 7 + 2]);
  }

  @Test
  void refusesAWindowPastTheEndOfTheValues() {
    assertThatThrownBy(() -> Matrices.rowMajor(new float[10], 4, 2, 4))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not fit");
  }
}
