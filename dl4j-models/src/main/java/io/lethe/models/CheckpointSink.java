package io.lethe.models;

import java.io.IOException;

/**
 * Receives each checkpoint as soon as its slice stage is trained, for example to store it under its content
 * address. {@link ShardTrainer} calls it once per stage, in slice order; an exception stops the training.
 */
@FunctionalInterface
public interface CheckpointSink {

  /** Takes the checkpoint of one slice stage together with its provenance. */
  void accept(EncodedCheckpoint checkpoint, Provenance provenance) throws IOException;
}
