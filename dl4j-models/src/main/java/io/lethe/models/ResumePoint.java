package io.lethe.models;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A decoded slice checkpoint and its provenance, from which {@link ShardTrainer#train} continues with the next slice
 * exactly as if training had never stopped.
 *
 * @param model      the network restored from the checkpoint, updater state included
 * @param provenance the checkpoint's provenance
 */
public record ResumePoint(MultiLayerNetwork model, Provenance provenance) {

  /** Requires both parts. */
  public ResumePoint {
    if (model == null || provenance == null) {
      throw new IllegalArgumentException("a resume point needs both a model and its provenance, got null "
          + (model == null ? "model" : "provenance"));
    }
  }

  /**
   * Decodes the checkpoint zip named by {@code provenance.zipSha256()}.
   *
   * @throws InvalidCheckpointException if the bytes do not match the hash or are not a checkpoint Lethe wrote
   */
  public static ResumePoint decode(byte[] zipBytes, Provenance provenance) {
    return new ResumePoint(CheckpointCodec.decode(zipBytes, provenance.zipSha256()), provenance);
  }
}
