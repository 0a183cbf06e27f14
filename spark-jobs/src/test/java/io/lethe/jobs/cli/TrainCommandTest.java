package io.lethe.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.jobs.train.TrainJob;
import io.lethe.store.GenerationManifest;
import io.lethe.store.ShardLineage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code lethe train} prints when it has nothing to train. */
class TrainCommandTest {

  private static String printed(ShardLineage... shards) {
    GenerationManifest generation = GenerationManifest.builder().number(3).createdAt("2026-12-02T10:00:00Z")
        .reason("forget b1: deactivated, retrain pending").key("k").dataVersion(2).model("cfg", "{}", 2, 1)
        .shards(List.of(shards)).build();
    StringWriter out = new StringWriter();
    TrainCommand.print(new PrintWriter(out, true), new TrainJob.Outcome(generation, true, Map.of(), 0.1));
    return out.toString();
  }

  @Test
  void anUpToDateGenerationServingEveryLineageInFullSaysOnlyThat() {
    assertThat(printed(ShardLineage.natural(0, 2, List.of("a", "b"), 10),
        ShardLineage.natural(1, 2, List.of("c", "d"), 10)))
        .isEqualTo("Generation 3 is up to date (data version 2); nothing trained." + System.lineSeparator());
  }

  @Test
  void deactivatedShardsArePointedToRetrainInsteadOfReadingAsUpToDate() {
    ShardLineage deactivated = ShardLineage.natural(1, 2, List.of("c", "d"), 10).deactivate(List.of(1), sha -> 5);

    assertThat(printed(ShardLineage.natural(0, 2, List.of("a", "b"), 10), deactivated))
        .isEqualTo("Generation 3 is up to date (data version 2); nothing trained." + System.lineSeparator()
            + "Shards [1] serve deactivated prefixes (deferred retraining pending); `lethe retrain` restores them."
            + System.lineSeparator());
  }
}
