package io.lethe.jobs.train;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.models.EncodedCheckpoint;
import io.lethe.models.ModelSpec;
import io.lethe.models.NativeRuntime;
import io.lethe.models.ShardTrainer;
import io.lethe.models.SliceData;
import java.io.IOException;
import java.io.Serializable;
import java.time.Clock;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * Trains the monolithic comparison model: all training rows, one slice, the same spec and epochs as the shards,
 * in one task. The model is returned to the driver and never stored, so it holds no data that a later deletion
 * would have to purge.
 */
public final class BaselineTask implements MapPartitionsFunction<Row, BaselineTask.Result> {
  private static final long serialVersionUID = 1L;

  private final String specJson;
  private final LetheSettings.TrainingSettings training;

  public BaselineTask(ModelSpec spec, LetheSettings.TrainingSettings training) {
    this.specJson = spec.toJson();
    this.training = training;
  }

  /** The trained model's zip and how long training took. */
  public record Result(byte[] zip, String sha256, double seconds) implements Serializable {}

  @Override
  public Iterator<Result> call(Iterator<Row> rows) throws IOException {
    ModelSpec spec = ModelSpec.fromJson(specJson);
    List<SliceData> slices = ExampleRows.toSlices(rows, 0, 1, spec.numFeatures());
    NativeRuntime.pinThreads(training.nativeThreads());
    long start = System.nanoTime();
    AtomicReference<EncodedCheckpoint> last = new AtomicReference<>();
    training.applyTo(ShardTrainer.builder()).spec(spec).shard(0).numSlices(1)
        .libraryVersions(BuildInfo.libraryVersions()).clock(Clock.systemUTC()).build()
        .train(slices, null, (checkpoint, provenance) -> last.set(checkpoint));
    double seconds = (System.nanoTime() - start) / 1e9;
    return List.of(new Result(last.get().zipBytes(), last.get().sha256(), seconds)).iterator();
  }
}
