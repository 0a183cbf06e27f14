package io.lethe.jobs.train;

import io.lethe.models.Provenance;
import io.lethe.models.SliceMetrics;
import io.lethe.store.Json;
import java.util.List;

/**
 * What one (shard, sequence) training task sends back to the driver: the provenance of each checkpoint it wrote
 * (stage order) and per-stage metrics. Travels as JSON so the Spark result needs no custom encoder.
 *
 * @param seconds    wall time of the task
 * @param cpuSeconds CPU time of the task's thread (training runs on it, native code included with one native
 *                   thread), which other work on a loaded machine does not inflate; -1 where the JVM cannot
 *                   measure it
 */
public record ShardTrainResult(int shard, int sequence, List<String> provenanceJson, List<SliceMetrics> metrics,
    double seconds, double cpuSeconds) {

  /** The last stage's provenance: what the sequence ends in. */
  public Provenance last() {
    List<Provenance> all = provenance();
    return all.get(all.size() - 1);
  }

  public List<Provenance> provenance() {
    return provenanceJson.stream().map(Provenance::fromJson).toList();
  }

  public String toJson() {
    return Json.write(this);
  }

  public static ShardTrainResult fromJson(String json) {
    return Json.read(json, ShardTrainResult.class, "shard training result");
  }
}
