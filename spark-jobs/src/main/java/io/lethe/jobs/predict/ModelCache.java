package io.lethe.jobs.predict;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.spark.StoreHandle;
import io.lethe.models.CheckpointCodec;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Per-executor cache of served models. Each checkpoint is read from the store and verified once per executor JVM;
 * each task thread gets its own network instance, because a DL4J network is not safe for concurrent use.
 * Checkpoints are immutable (named by their hash), so entries never go stale.
 */
public final class ModelCache {
  private static final Map<String, byte[]> VERIFIED_BYTES = new ConcurrentHashMap<>();
  private static final ThreadLocal<Map<String, MultiLayerNetwork>> NETWORKS =
      ThreadLocal.withInitial(HashMap::new);

  private ModelCache() {}

  /** The network of checkpoint {@code sha256} for the calling thread. */
  public static MultiLayerNetwork network(StoreHandle store, String sha256) {
    return NETWORKS.get().computeIfAbsent(sha256, sha -> CheckpointCodec.decode(bytes(store, sha), sha));
  }

  private static byte[] bytes(StoreHandle store, String sha256) {
    return VERIFIED_BYTES.computeIfAbsent(sha256, sha -> new CheckpointRepository(store.open()).loadBytes(sha));
  }

  /** How many distinct checkpoints this JVM has read from the store (for tests and benchmarks). */
  public static int loadedCheckpoints() {
    return VERIFIED_BYTES.size();
  }
}
