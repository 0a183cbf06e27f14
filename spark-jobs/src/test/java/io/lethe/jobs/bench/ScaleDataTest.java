package io.lethe.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.jobs.testing.Fixtures;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The synthetic table of {@code bench scale}: a pure function of the seed, with distinct ids and learnable labels. */
class ScaleDataTest {
  private final ScaleData data = new ScaleData(7, 16, 10, 4);

  @Test
  void theSameSeedGivesTheSameRowsAndAnotherSeedOthers() {
    ScaleData again = new ScaleData(7, 16, 10, 4);
    ScaleData other = new ScaleData(8, 16, 10, 4);
    for (long i = 0; i < 50; i++) {
      assertThat(again.row("train", i).getInt(2)).isEqualTo(data.row("train", i).getInt(2));
      assertThat(features(again.row("train", i))).containsExactly(features(data.row("train", i)));
    }
    assertThat(features(other.row("train", 3))).isNotEqualTo(features(data.row("train", 3)));
    assertThat(features(data.row("test", 3))).isNotEqualTo(features(data.row("train", 3)));
  }

  @Test
  void idsAreDistinctAndSubjectsHoldConsecutiveRows() {
    assertThat(data.row("train", 12).getString(0)).isEqualTo("train-00000000012");
    assertThat(data.row("train", 12).getString(1)).isEqualTo("train-s0000000003");
    assertThat(data.row("train", 15).getString(1)).isEqualTo("train-s0000000003");
    assertThat(data.row("train", 16).getString(1)).isEqualTo("train-s0000000004");
    assertThat(data.row("test", 12).getString(0)).isNotEqualTo(data.row("train", 12).getString(0));
  }

  @Test
  void rowsOnExecutorsEqualThePureFunctionWhateverThePartitioning() {
    SparkSession spark = Fixtures.spark();
    List<Row> four = data.generate(spark, "train", 1000, 4).orderBy("record_id").collectAsList();
    List<Row> seven = data.generate(spark, "train", 1000, 7).orderBy("record_id").collectAsList();
    assertThat(four).hasSize(1000);
    assertThat(four.stream().map(r -> r.getString(0)).distinct()).hasSize(1000);
    assertThat(four.stream().map(r -> r.getString(1)).distinct()).hasSize(250);
    for (int i = 0; i < 1000; i += 97) {
      Row expected = data.row("train", i);
      assertThat(four.get(i).getString(0)).isEqualTo(expected.getString(0));
      assertThat(four.get(i).getString(1)).isEqualTo(expected.getString(1));
      assertThat(four.get(i).getInt(2)).isEqualTo(expected.getInt(2));
      assertThat(four.get(i).<Float>getList(3)).containsExactlyElementsOf(seven.get(i).<Float>getList(3));
      assertThat(four.get(i).<Float>getList(3).get(5)).isEqualTo(features(expected)[5]);
    }
  }

  @Test
  void everyClassAppearsAndTheClassMeansSeparateThem() {
    Map<Integer, double[]> sums = new HashMap<>();
    Map<Integer, Integer> counts = new HashMap<>();
    for (long i = 0; i < 20_000; i++) {
      Row row = data.row("train", i);
      float[] f = features(row);
      double[] sum = sums.computeIfAbsent(row.getInt(2), c -> new double[f.length]);
      for (int j = 0; j < f.length; j++) {
        sum[j] += f[j];
      }
      counts.merge(row.getInt(2), 1, Integer::sum);
    }
    assertThat(counts).hasSize(10).allSatisfy((label, n) -> assertThat(n).isBetween(1700, 2300));
    // Each class's empirical mean is near its planted mean (+-0.35), not near 0.
    sums.forEach((label, sum) -> {
      for (int j = 0; j < sum.length; j++) {
        assertThat(sum[j] / counts.get(label)).isCloseTo(data.classMean(label, j), org.assertj.core.data.Offset
            .offset(0.1));
      }
    });
  }

  @Test
  void refusesSettingsWithoutData() {
    assertThatThrownBy(() -> new ScaleData(1, 0, 10, 4)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("features >= 1");
  }

  private static float[] features(Row row) {
    Object value = row.get(3);
    return (float[]) value;
  }
}
