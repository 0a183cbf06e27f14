package io.lethe.jobs.bench;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.spark.StoreHandle;
import io.lethe.jobs.train.BuildInfo;
import io.lethe.jobs.train.ExampleRows;
import io.lethe.models.ModelSpec;
import io.lethe.models.NativeRuntime;
import io.lethe.models.ShardTrainer;
import io.lethe.models.SliceData;
import io.lethe.models.SliceOrder;
import io.lethe.store.Json;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * One Spark task of {@code bench capacity}: trains one slice order of one shard with {@link ShardTrainer} and writes
 * its stage checkpoints to the store's content-addressed checkpoint directory, where orders sharing a prefix store
 * those stages once.
 */
final class OrderTrainTask implements MapPartitionsFunction<Row, String> {
  private static final long serialVersionUID = 1L;

  /**
   * What the task sends back.
   *
   * @param stageCheckpoints sha256 of the checkpoint of each stage 1..R
   * @param zipBytes         size of each of those checkpoint files
   * @param seconds          wall time of the task
   */
  record Result(int shard, int sequence, List<String> stageCheckpoints, List<Long> zipBytes, double seconds) {
    String toJson() {
      return Json.write(this);
    }

    static Result fromJson(String json) {
      return Json.read(json, Result.class, "order training result");
    }
  }

  private final StoreHandle store;
  private final String specJson;
  private final int shard;
  private final int sequence;
  private final List<Integer> order;
  private final int nativeThreads;
  private final Map<String, String> libraryVersions;

  OrderTrainTask(StoreHandle store, ModelSpec spec, int shard, int sequence, SliceOrder order, int nativeThreads) {
    this.store = store;
    this.specJson = spec.toJson();
    this.shard = shard;
    this.sequence = sequence;
    this.order = new ArrayList<>(order.slices());
    this.nativeThreads = nativeThreads;
    this.libraryVersions = BuildInfo.libraryVersions();
  }

  @Override
  public Iterator<String> call(Iterator<Row> rows) throws IOException {
    long start = System.nanoTime();
    ModelSpec spec = ModelSpec.fromJson(specJson);
    List<SliceData> slices = ExampleRows.toSlices(rows, shard, order.size(), spec.numFeatures());
    NativeRuntime.pinThreads(nativeThreads);
    CheckpointRepository checkpoints = new CheckpointRepository(store.open());
    List<String> shas = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    ShardTrainer.builder().spec(spec).shard(shard).numSlices(order.size()).nativeThreads(nativeThreads)
        .libraryVersions(libraryVersions).clock(Clock.systemUTC()).build()
        .train(slices, new SliceOrder(order), null, (checkpoint, provenance) -> {
          checkpoints.accept(checkpoint, provenance);
          shas.add(checkpoint.sha256());
          sizes.add((long) checkpoint.zipBytes().length);
        });
    double seconds = (System.nanoTime() - start) / 1e9;
    return List.of(new Result(shard, sequence, shas, sizes, seconds).toJson()).iterator();
  }
}
