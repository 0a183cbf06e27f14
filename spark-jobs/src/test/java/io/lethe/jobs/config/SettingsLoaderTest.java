package io.lethe.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.models.Aggregation;
import io.lethe.models.Architecture;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsLoaderTest {
  @TempDir Path dir;

  @AfterEach
  void clearSystemProperties() {
    System.clearProperty("lethe.data.shards");
  }

  @Test
  void defaultsComeFromConfApplicationConf() {
    LetheSettings s = SettingsLoader.load(List.of());
    assertThat(s.data().source()).isEqualTo("fashion-mnist");
    assertThat(s.data().numShards()).isEqualTo(8);
    assertThat(s.data().numSlices()).isEqualTo(4);
    assertThat(s.data().strategy()).isEqualTo("subject-hash");
    assertThat(s.data().idColumn()).isNull();
    assertThat(s.model().architecture()).isEqualTo(Architecture.MLP_IMAGE);
    assertThat(s.model().hiddenLayers()).containsExactly(256, 128);
    assertThat(s.training().nativeThreads()).isEqualTo(1);
    assertThat(s.predict().aggregation()).isEqualTo(Aggregation.MEAN_SOFTMAX);
    assertThat(s.spark().master()).isEqualTo("local[*]");
    assertThat(s.spark().conf()).containsEntry("spark.ui.showConsoleProgress", "false");
  }

  @Test
  void laterSourcesWinFileThenSystemPropertiesThenOverrides() throws Exception {
    File file = dir.resolve("my.conf").toFile();
    Files.writeString(file.toPath(), "lethe.data.shards = 3\nlethe.data.slices = 5\nlethe.model.epochs = 2\n");
    System.setProperty("lethe.data.shards", "4");

    LetheSettings s = SettingsLoader.load(file, List.of("lethe.model.epochs=7",
        "lethe.store.root=hdfs://nn:8020/lethe", "lethe.model.hidden-layers=[32]"));

    assertThat(s.data().numSlices()).isEqualTo(5);
    assertThat(s.data().numShards()).isEqualTo(4);
    assertThat(s.model().epochs()).isEqualTo(7);
    assertThat(s.store().root()).isEqualTo("hdfs://nn:8020/lethe");
    assertThat(s.model().hiddenLayers()).containsExactly(32);
  }

  @Test
  void sparkPropertiesPassThroughQuotedOrNested() {
    LetheSettings s = SettingsLoader.load(List.of("lethe.spark.conf.spark.executor.memory=6g"));
    assertThat(s.spark().conf())
        .containsEntry("spark.executor.memory", "6g")
        .containsEntry("spark.sql.shuffle.partitions", "16");
  }

  @Test
  void aTypoIsAnErrorWithASuggestion() {
    assertThatThrownBy(() -> SettingsLoader.load(List.of("lethe.data.shard=3")))
        .isInstanceOf(SettingsException.class)
        .hasMessage("Unknown setting 'lethe.data.shard' (from --set lethe.data.shard=3). Did you mean"
            + " 'lethe.data.shards'? All settings are listed in conf/application.conf.");
  }

  @Test
  void badValuesNameTheKeyAndTheValue() {
    assertThatThrownBy(() -> SettingsLoader.load(List.of("lethe.data.shards=0")))
        .hasMessage("lethe.data.shards must be a positive integer, got 0");
    assertThatThrownBy(() -> SettingsLoader.load(List.of("lethe.data.strategy=round-robin")))
        .hasMessage("lethe.data.strategy is 'round-robin'; valid strategies are subject-hash and random.");
    assertThatThrownBy(() -> SettingsLoader.load(List.of("shards=3")))
        .hasMessage("Override 'shards=3' sets 'shards', which is not a Lethe setting; Lethe settings start with"
            + " 'lethe.' (Spark properties go in lethe.spark.conf or spark-submit --conf).");
    assertThatThrownBy(() -> SettingsLoader.load(List.of("lethe.data.shards")))
        .hasMessage("Override 'lethe.data.shards' is not of the form key=value, e.g. --set lethe.data.shards=16");
    assertThatThrownBy(() -> SettingsLoader.load(new File(dir.toFile(), "missing.conf"), List.of()))
        .hasMessage("Config file " + dir.resolve("missing.conf") + " does not exist or is not a file.");
  }

  @Test
  void theBipartiteExponentIsANumberAboveZeroNotAWholeNumber() {
    assertThat(SettingsLoader.load(List.of()).sequences().bipartiteExponent()).isEqualTo(1.0);
    assertThat(SettingsLoader.load(List.of("lethe.model.bipartite-exponent=2.5")).sequences().bipartiteExponent())
        .isEqualTo(2.5);
    assertThatThrownBy(() -> SettingsLoader.load(List.of("lethe.model.bipartite-exponent=0")))
        .isInstanceOf(SettingsException.class)
        .hasMessage("lethe.model.bipartite-exponent must be a number > 0 (the deletions the bipartite score plans"
            + " for, need not be whole), got 0.0");
  }

  @Test
  void theNativeGarbageLimitIsASizeInBytesAndZeroTurnsItOff() {
    assertThat(SettingsLoader.load(List.of()).training().nativeGarbageLimitBytes()).isEqualTo(1L << 30);
    assertThat(SettingsLoader.load(List.of("lethe.training.native-garbage-limit=512M")).training()
        .nativeGarbageLimitBytes()).isEqualTo(512L << 20);
    assertThat(SettingsLoader.load(List.of("lethe.training.native-garbage-limit=0")).training()
        .nativeGarbageLimitBytes()).isZero();
    assertThatThrownBy(() -> SettingsLoader.load(List.of("lethe.training.native-garbage-limit=-1")))
        .isInstanceOf(SettingsException.class)
        .hasMessageContaining("'lethe.training.native-garbage-limit'").hasMessageContaining("negative number: -1");
  }

  @Test
  void anUnknownArchitectureListsTheValidOnes() {
    assertThatThrownBy(() -> SettingsLoader.load(List.of("lethe.model.architecture=resnet")))
        .isInstanceOf(SettingsException.class)
        .hasMessageStartingWith("lethe.model.architecture: ")
        .hasMessageContaining("resnet")
        .hasMessageContaining("mlp")
        .hasMessageContaining("tabular-mlp");
  }
}
