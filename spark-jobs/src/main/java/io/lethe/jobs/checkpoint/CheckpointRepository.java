package io.lethe.jobs.checkpoint;

import io.lethe.models.CheckpointCodec;
import io.lethe.models.CheckpointSink;
import io.lethe.models.EncodedCheckpoint;
import io.lethe.models.Provenance;
import io.lethe.store.DamagedFileException;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Reads and writes checkpoints in the store. A checkpoint is named by the sha256 of its zip, so identical training
 * writes the identical file once; its provenance sits beside it and is written before the zip becomes visible
 * under its name, so no checkpoint is ever visible without its provenance.
 */
public final class CheckpointRepository implements CheckpointSink {
  private final LetheStore store;

  public CheckpointRepository(LetheStore store) {
    this.store = store;
  }

  @Override
  public void accept(EncodedCheckpoint checkpoint, Provenance provenance) {
    if (!checkpoint.sha256().equals(provenance.zipSha256())) {
      throw new IllegalArgumentException("provenance of shard " + provenance.shard() + " slice " + provenance.slice()
          + " names zip " + provenance.zipSha256() + " but the checkpoint is " + checkpoint.sha256());
    }
    store.commitNewFile(store.layout().checkpointProvenance(checkpoint.sha256()),
        provenance.toJson().getBytes(StandardCharsets.UTF_8), true);
    store.commitNewFile(store.layout().checkpointZip(checkpoint.sha256()), checkpoint.zipBytes(), true);
  }

  public boolean exists(String sha256) {
    return store.exists(store.layout().checkpointZip(sha256));
  }

  /** The zip bytes of a checkpoint, verified against its name; a damaged file is reported with how to repair it. */
  public byte[] loadBytes(String sha256) {
    Path zip = store.layout().checkpointZip(sha256);
    byte[] bytes;
    try {
      bytes = store.readBytes(zip);
    } catch (StoreException e) {
      if (e.getCause() instanceof ChecksumException) {
        throw new DamagedFileException("Checkpoint " + sha256 + " is damaged: its file fails the file system's"
            + " checksum. Run `lethe repair` to rebuild it from its data.", e.getCause());
      }
      if (e.getCause() instanceof FileNotFoundException) {
        throw new DamagedFileException("Checkpoint " + sha256 + " is missing from store " + store.uri() + ". Run"
            + " `lethe repair` to rebuild it from its data.", e.getCause());
      }
      throw e;
    }
    String actual = CheckpointCodec.sha256Hex(bytes);
    if (!actual.equals(sha256)) {
      throw new DamagedFileException("Checkpoint " + sha256 + " is damaged: its bytes hash to " + actual
          + ". Run `lethe repair` to rebuild it from its data.");
    }
    return bytes;
  }

  /** Loads a checkpoint as a network, refusing corrupt or unexpected content. */
  public MultiLayerNetwork loadModel(String sha256) {
    return CheckpointCodec.decode(loadBytes(sha256), sha256);
  }

  public Provenance loadProvenance(String sha256) {
    return Provenance.fromJson(store.readString(store.layout().checkpointProvenance(sha256)));
  }
}
