package io.lethe.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProvenanceTest {

  private static final String SHA_A = "a".repeat(64);
  private static final String SHA_B = "b".repeat(64);

  private static Provenance sample(String parent, double loss) {
    return new Provenance(1, 3, 1, parent, SHA_A, List.of(SHA_B, SHA_A), 5612, "c".repeat(64),
        ModelSpec.builder().build().toJson(), 42, 1, "CpuBackend", "cpu",
        Map.of("nd4j", "1.0.0-M2.1", "deeplearning4j", "1.0.0-M2.1", "java", "17.0.15", "lethe", "0.1.0"),
        "2025-01-02T03:04:05Z", "d".repeat(64), 4.1, loss, 0.861, null);
  }

  @Test
  void jsonRoundTripsIncludingNullParentAndNaNLoss() {
    Provenance withParent = sample(SHA_B, 0.412);
    Provenance first = sample(null, Double.NaN);

    assertThat(Provenance.fromJson(withParent.toJson())).isEqualTo(withParent);
    assertThat(Provenance.fromJson(first.toJson())).isEqualTo(first);
    assertThat(first.toJson()).contains("\"parentSha256\" : null", "\"loss\" : \"NaN\"");
  }

  @Test
  void jsonKeepsFieldOrderAndSortsLibraryVersions() {
    String json = sample(SHA_B, 0.412).toJson();

    assertThat(json).startsWith("{\n  \"formatVersion\" : 1,\n  \"shard\" : 3,\n  \"slice\" : 1,\n");
    assertThat(json).contains("\"libraryVersions\" : {\n    \"deeplearning4j\" : \"1.0.0-M2.1\",\n"
        + "    \"java\" : \"17.0.15\",\n    \"lethe\" : \"0.1.0\",\n    \"nd4j\" : \"1.0.0-M2.1\"\n  }");
  }

  @Test
  void readsTheVersion1GoldenFileIgnoringFieldsItDoesNotKnow() throws IOException {
    Provenance golden = Provenance.fromJson(resource("/golden/provenance-v1.json"));

    assertThat(golden).isEqualTo(new Provenance(1, 0, 1, SHA_B, SHA_A, List.of(SHA_B, SHA_A), 120,
        "c".repeat(64), "{\"architecture\":\"tabular-mlp\"}", 7, 1, "CpuBackend", "cpu",
        Map.of("deeplearning4j", "1.0.0-M2.1", "nd4j", "1.0.0-M2.1", "java", "17.0.15", "lethe", "0.1.0"),
        "2025-01-02T03:04:05Z", "d".repeat(64), 0.25, 0.125, 0.975, List.of(0, 1)));
  }

  @Test
  void provenanceFromBeforeSliceOrdersReadsAsTheNaturalOrder() throws IOException {
    Provenance golden = Provenance.fromJson(resource("/golden/provenance-v1.json"));

    assertThat(golden.trainedSlices()).containsExactly(0, 1);
    assertThat(golden.stage()).isEqualTo(2);
    assertThat(golden.trainedInNaturalOrder()).isTrue();
    assertThat(golden.trainedOnSlice(1)).isTrue();
    assertThat(golden.trainedOnSlice(2)).isFalse();
  }

  @Test
  void aCheckpointOfAnotherOrderRecordsItsPrefixAndRoundTrips() {
    Provenance base = sample(SHA_B, 0.5);
    Provenance ordered = new Provenance(Provenance.formatVersionFor(List.of(2, 0)), base.shard(), 1, SHA_B,
        SHA_A, List.of(SHA_B, SHA_A), 10, base.configHash(), base.modelSpecJson(), 42, 1, "CpuBackend", "cpu",
        base.libraryVersions(), base.createdAt(), base.zipSha256(), 1.0, 0.5, 0.9, List.of(2, 0));

    assertThat(ordered.formatVersion()).isEqualTo(2);
    assertThat(ordered.trainedInNaturalOrder()).isFalse();
    assertThat(ordered.stage()).isEqualTo(2);
    assertThat(ordered.trainedOnSlice(2)).isTrue();
    assertThat(ordered.trainedOnSlice(1)).isFalse();
    assertThat(ordered.toJson()).contains("\"trainedSlices\" : [ 2, 0 ]");
    assertThat(Provenance.fromJson(ordered.toJson())).isEqualTo(ordered);
    assertThat(Provenance.formatVersionFor(List.of(0, 1))).isEqualTo(1);
  }

  @Test
  void rejectsTrainedSlicesThatDoNotMatchTheStage() {
    assertThatThrownBy(() -> Provenance.fromJson("{\"shard\":0,\"slice\":1,\"trainedSlices\":[2]}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid provenance JSON: provenance of slice stage 1 needs 2 distinct trained slices >= 0,"
            + " got [2]");
    assertThatThrownBy(() -> Provenance.fromJson("{\"shard\":0,\"slice\":1,\"trainedSlices\":[2,2]}"))
        .hasMessageContaining("got [2, 2]");
  }

  @Test
  void fieldsMissingFromAnOlderFileReadAsEmpty() {
    Provenance sparse = Provenance.fromJson("{\"formatVersion\":1,\"shard\":2,\"slice\":0}");

    assertThat(sparse.sliceRecordIdsSha256()).isEmpty();
    assertThat(sparse.libraryVersions()).isEmpty();
    assertThat(sparse.zipSha256()).isNull();
  }

  @Test
  void rejectsNegativePositionsAndMalformedJson() {
    assertThatThrownBy(() -> Provenance.fromJson("{\"shard\":-1}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid provenance JSON: provenance needs shard >= 0 and slice >= 0, got shard -1, slice 0");
    assertThatThrownBy(() -> Provenance.fromJson("{\"shard\":"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid provenance JSON: ");
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = ProvenanceTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
