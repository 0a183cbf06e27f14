package io.lethe.prep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.store.DataManifest.DataSettings;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ShardAssignerTest {
  private static ShardAssigner subjectHash(String salt, int shards, int slices) {
    return ShardAssigner.of(settings(ShardAssigner.SUBJECT_HASH, salt, 0L, shards, slices));
  }

  private static ShardAssigner random(long seed, int shards, int slices) {
    return ShardAssigner.of(settings(ShardAssigner.RANDOM, null, seed, shards, slices));
  }

  private static DataSettings settings(String strategy, String salt, long seed, int shards, int slices) {
    return DataSettingsBuilder.csv(List.of("in.csv")).featureColumns(List.of("f0")).strategy(strategy).salt(salt)
        .seed(seed).numShards(shards).numSlices(slices).build();
  }

  @Test
  void subjectHashAssignmentIsPinned() {
    // Computed once and pinned (and checked against Python's hashlib): a change here moves every stored row.
    assertThat(subjectHash("lethe", 8, 4).shardOf("any", "alice")).isEqualTo(2);
    assertThat(subjectHash("lethe", 8, 4).sliceOf("any", "alice")).isEqualTo(0);
    assertThat(subjectHash("lethe", 8, 4).shardOf("any", "bob")).isEqualTo(4);
    assertThat(subjectHash("lethe", 8, 4).shardOf("any", "subject-42")).isEqualTo(4);
    assertThat(subjectHash("lethe", 8, 4).sliceOf("any", "subject-42")).isEqualTo(3);
    assertThat(subjectHash("pepper", 8, 4).shardOf("any", "alice")).isEqualTo(3);
    assertThat(subjectHash("pepper", 8, 4).sliceOf("any", "alice")).isEqualTo(1);
    assertThat(subjectHash("", 8, 4).shardOf("any", "\u00e9l\u00e8ve")).isEqualTo(5);
  }

  @Test
  void randomAssignmentIsPinned() {
    assertThat(random(1, 8, 4).shardOf("rec-1", "alice")).isEqualTo(2);
    assertThat(random(2, 8, 4).shardOf("rec-2", "alice")).isEqualTo(4);
    assertThat(random(2, 8, 4).sliceOf("rec-2", "alice")).isEqualTo(1);
  }

  @Test
  void allRowsOfOneSubjectShareShardAndSlice() {
    ShardAssigner assigner = subjectHash("lethe", 8, 4);
    for (int subject = 0; subject < 50; subject++) {
      String subjectId = "subject-" + subject;
      int shard = assigner.shardOf("record-0", subjectId);
      int slice = assigner.sliceOf("record-0", subjectId);
      for (int record = 1; record < 20; record++) {
        assertThat(assigner.shardOf("record-" + record, subjectId)).isEqualTo(shard);
        assertThat(assigner.sliceOf("record-" + record, subjectId)).isEqualTo(slice);
      }
    }
  }

  @Test
  void subjectHashSpreadsEvenlyOverShardsAndSlices() {
    ShardAssigner assigner = subjectHash("lethe", 8, 4);
    int[] shards = new int[8];
    int[] slices = new int[4];
    Random random = new Random(7);
    for (int i = 0; i < 10_000; i++) {
      String subject = "s" + random.nextLong();
      shards[assigner.shardOf("r" + i, subject)]++;
      slices[assigner.sliceOf("r" + i, subject)]++;
    }
    assertThat(IntStream.of(shards).boxed().toList()).allSatisfy(count -> assertThat(count).isBetween(1063, 1437));
    assertThat(IntStream.of(slices).boxed().toList()).allSatisfy(count -> assertThat(count).isBetween(2125, 2875));
  }

  @Test
  void randomStrategyDependsOnSeedAndDiffersFromSubjectHash() {
    List<Integer> seed1 = shardsOf(random(1, 8, 4));
    assertThat(shardsOf(random(1, 8, 4))).isEqualTo(seed1);
    assertThat(shardsOf(random(2, 8, 4))).isNotEqualTo(seed1);
    assertThat(shardsOf(subjectHash("1", 8, 4))).isNotEqualTo(seed1);
    // One subject's rows spread over several shards under the random strategy.
    assertThat(seed1.stream().distinct().count()).isGreaterThan(1);
  }

  private static List<Integer> shardsOf(ShardAssigner assigner) {
    return IntStream.range(0, 100).mapToObj(i -> assigner.shardOf("record-" + i, "one-subject")).toList();
  }

  @Test
  void everyAssignmentIsInRange() {
    ShardAssigner assigner = subjectHash("lethe", 3, 2);
    for (int i = 0; i < 1000; i++) {
      assertThat(assigner.shardOf("r", "s" + i)).isBetween(0, 2);
      assertThat(assigner.sliceOf("r", "s" + i)).isBetween(0, 1);
    }
  }

  @Test
  void rejectsUnknownStrategyListingValidOnes() {
    assertThatThrownBy(() -> ShardAssigner.of(settings("round-robin", "lethe", 0, 8, 4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Unknown sharding strategy 'round-robin'; valid strategies: subject-hash, random.");
  }

  @Test
  void rejectsBadCountsAndMissingSalt() {
    assertThatThrownBy(() -> ShardAssigner.of(settings(ShardAssigner.SUBJECT_HASH, "lethe", 0, 0, 4)))
        .hasMessage("numShards must be at least 1, got 0.");
    assertThatThrownBy(() -> ShardAssigner.of(settings(ShardAssigner.SUBJECT_HASH, "lethe", 0, 8, -2)))
        .hasMessage("numSlices must be at least 1, got -2.");
    assertThatThrownBy(() -> ShardAssigner.of(settings(ShardAssigner.SUBJECT_HASH, null, 0, 8, 4)))
        .hasMessage("Sharding strategy subject-hash needs a salt (any fixed string, e.g. 'lethe'); none was set.");
  }
}
