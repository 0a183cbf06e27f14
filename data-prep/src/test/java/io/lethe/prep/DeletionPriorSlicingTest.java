package io.lethe.prep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.lethe.store.DataManifest;
import io.lethe.store.DataManifest.DataSettings;
import io.lethe.store.DataManifest.PartitionEntry;
import io.lethe.store.LetheStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeletionPriorSlicingTest {
  private static SparkSession spark;

  @TempDir
  Path tmp;

  @BeforeAll
  static void startSpark() {
    spark = TestSpark.session();
  }

  /** Recorded with the code from before deletion priors existed: without the column nothing may move. */
  @Test
  void withoutAPriorColumnSlicesKeepTheirRecordedContent() throws Exception {
    Path csv = Fixtures.exampleCsv(tmp.resolve("train.csv"), 200, 40, 11);
    DataSettings settings = DataSettingsBuilder.csv(List.of(csv.toString())).idColumn("id").subjectColumn("subject")
        .featureColumns(List.of("f0", "f1", "f2", "f3")).numShards(3).numSlices(2).salt("lethe").build();

    DataManifest manifest = PrepareJob.run(spark, TestSpark.openStore(tmp.resolve("store")), settings, "t");

    assertThat(manifest.partitions().stream()
        .map(p -> p.shard() + "/" + p.slice() + "/" + p.rows() + "/" + p.contentSha256()).toList()).containsExactly(
        "0/0/50/811d59839365e518b650ff7e02f142b271b3df5ef496928eab11d0213cf7df13",
        "0/1/30/729eb95102df090af5877bb96ae8b127ce7b03e85f0b4db0cea757e7e18bbc07",
        "1/0/35/71472334798f9a76f4d2ed707e47c6009c2f721b960cdd58988e43c60dc298a9",
        "1/1/45/bad0fefdab2a37125acec212e37e2c6bc175bfa0c030d7c58a5111d51610d65d",
        "2/0/15/2f6fd5f06b2c7bcab1d0595a340c5c4f906e1be9a62e180de03b5e7b35985e36",
        "2/1/25/dbe986905fa821539f520ba688de67e9d16632cab1db30fc50d390eded450565");
    assertThat(manifest.hasDeletionPriors()).isFalse();
    assertThat(manifest.partitions()).extracting(PartitionEntry::deletionPriorSum).containsOnlyNulls();
    assertThat(manifest.deletionPriorSums(0)).containsExactly(0.0, 0.0);
  }

  @Test
  void likelyDeletionsGoToLaterSlicesAndASubjectStaysInOneSlice() throws Exception {
    Path csv = csvWithRisk(tmp.resolve("risky.csv"), 240, 60, null);
    LetheStore store = TestSpark.openStore(tmp.resolve("store"));
    DataSettings settings = DataSettingsBuilder.csv(List.of(csv.toString())).idColumn("id").subjectColumn("subject")
        .deletionPriorColumn("risk").numShards(2).numSlices(3).salt("lethe").build();

    DataManifest manifest = PrepareJob.run(spark, store, settings, "t");

    assertThat(manifest.numFeatures()).as("the prior column is no feature").isEqualTo(4);
    assertThat(manifest.hasDeletionPriors()).isTrue();
    Map<String, Double> riskOfSubject = subjectRisk(240, 60);
    Map<String, Integer> sliceOfSubject = new HashMap<>();
    double[][] expectedSums = new double[2][3];
    List<List<Set<Double>>> risksBySlice = new ArrayList<>();
    for (int shard = 0; shard < 2; shard++) {
      risksBySlice.add(List.of(new HashSet<>(), new HashSet<>(), new HashSet<>()));
    }
    for (Row row : PrepareJob.loadExamples(spark, store, 1).select("subject_id", "shard", "slice", "record_id")
        .collectAsList()) {
      String subject = row.getString(0);
      Integer earlier = sliceOfSubject.put(subject + "@" + row.getInt(1), row.getInt(2));
      assertThat(earlier == null || earlier == row.getInt(2)).as("subject %s in one slice", subject).isTrue();
      risksBySlice.get(row.getInt(1)).get(row.getInt(2)).add(riskOfSubject.get(subject));
      expectedSums[row.getInt(1)][row.getInt(2)] += rowRisk(row.getString(3), riskOfSubject.get(subject));
    }
    for (int shard = 0; shard < 2; shard++) {
      for (int slice = 1; slice < 3; slice++) {
        double below = risksBySlice.get(shard).get(slice - 1).stream().mapToDouble(d -> d).max().orElseThrow();
        double here = risksBySlice.get(shard).get(slice).stream().mapToDouble(d -> d).min().orElseThrow();
        assertThat(here).as("shard %d slice %d starts above slice %d", shard, slice, slice - 1)
            .isGreaterThanOrEqualTo(below);
      }
      assertThat(manifest.deletionPriorSums(shard)).containsExactly(expectedSums[shard], within(1e-6));
    }
    assertThat(manifest.partitions()).allSatisfy(p -> assertThat(p.rows()).isBetween(30L, 50L));
  }

  @Test
  void aPriorOutsideZeroToOneOrNotANumberIsRejectedNamingTheFirstRow() throws Exception {
    Path outside = csvWithRisk(tmp.resolve("outside.csv"), 40, 10, "1.5");
    Path words = csvWithRisk(tmp.resolve("words.csv"), 40, 10, "high");
    LetheStore store = TestSpark.openStore(tmp.resolve("store"));

    assertThatThrownBy(() -> PrepareJob.run(spark, store, riskSettings(outside), "t"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Invalid input in " + outside + ": deletion prior column 'risk' must hold a number in [0, 1] for"
            + " every row; 1 row(s) do not, e.g. record 'r007' has 1.5.");
    assertThatThrownBy(() -> PrepareJob.run(spark, store, riskSettings(words), "t"))
        .hasMessage("Invalid input in " + words + ": deletion prior column 'risk' must hold a number in [0, 1] for"
            + " every row; 1 row(s) do not, e.g. record 'r007' has no number.");
    assertThatThrownBy(() -> PrepareJob.run(spark, store, DataSettingsBuilder.csv(List.of(outside.toString()))
        .idColumn("id").deletionPriorColumn("churn").build(), "t"))
        .hasMessageStartingWith("Column 'churn' (deletionPriorColumn) not found in " + outside);
    assertThat(store.dataVersions()).isEmpty();
  }

  private static DataSettings riskSettings(Path csv) {
    return DataSettingsBuilder.csv(List.of(csv.toString())).idColumn("id").subjectColumn("subject")
        .deletionPriorColumn("risk").numShards(2).numSlices(2).build();
  }

  /** Subject s{i} has risk i/(subjects-1) squared; its rows vary below that (the subject's max is its own). */
  private static Map<String, Double> subjectRisk(int rows, int subjects) {
    Map<String, Double> risk = new HashMap<>();
    for (int s = 0; s < subjects; s++) {
      double r = (double) s / (subjects - 1);
      risk.put("s" + s, r * r);
    }
    return risk;
  }

  /** Row r{i}'s risk: its subject's risk for the subject's first row, half of it for the others. */
  private static double rowRisk(String recordId, double subjectRisk) {
    int i = Integer.parseInt(recordId.substring(1));
    return i < 60 ? subjectRisk : subjectRisk / 2;
  }

  private static Path csvWithRisk(Path file, int rows, int subjects, String badValueAtRow7) {
    Random random = new Random(3);
    Map<String, Double> risk = subjectRisk(rows, subjects);
    List<String> lines = new ArrayList<>();
    lines.add("id,subject,label,f0,f1,f2,f3,risk");
    for (int i = 0; i < rows; i++) {
      String subject = "s" + (i % subjects);
      String id = String.format(Locale.ROOT, "r%03d", i);
      String value = i == 7 && badValueAtRow7 != null ? badValueAtRow7
          : String.valueOf(subjects == 60 ? rowRisk(id, risk.get(subject)) : 0.5);
      lines.add(String.format(Locale.ROOT, "%s,%s,%d,%.4f,%.4f,%.4f,%.4f,%s", id, subject, i % 3,
          random.nextGaussian(), random.nextGaussian(), random.nextGaussian(), random.nextGaussian(), value));
    }
    return Fixtures.writeLines(file, lines.toArray(String[]::new));
  }
}
