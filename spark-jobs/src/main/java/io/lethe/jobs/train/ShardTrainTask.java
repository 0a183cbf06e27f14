package io.lethe.jobs.train;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.checkpoint.RecordIdSets;
import io.lethe.jobs.spark.StoreHandle;
import io.lethe.models.GpuBinder;
import io.lethe.models.ModelSpec;
import io.lethe.models.NativeRuntime;
import io.lethe.models.ResumePoint;
import io.lethe.models.ShardTrainer;
import io.lethe.models.SliceData;
import io.lethe.models.SliceOrder;
import io.lethe.models.TrainingResult;
import io.lethe.store.FailPoints;
import io.lethe.store.LetheStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The body of one shard's Spark task: gathers the shard's rows by slice, runs the plain-DL4J {@link ShardTrainer}
 * (optionally resuming from a clean checkpoint), and writes each slice checkpoint to the store from the executor.
 * Deterministic: a retried task writes the same checkpoints under the same names. When Spark assigned the task a
 * GPU, the task's thread is bound to it before any array is created.
 */
public final class ShardTrainTask implements MapPartitionsFunction<Row, String> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ShardTrainTask.class);

  private final StoreHandle store;
  private final String specJson;
  private final int shard;
  private final int sequence;
  private final List<Integer> order;
  private final int numSlices;
  private final LetheSettings.TrainingSettings training;
  private final String resumeCheckpoint;
  private final boolean persist;
  private final Map<String, String> libraryVersions;

  /**
   * @param sequence index of the sequence in the shard's lineage
   * @param order the slice order to train in
   * @param resumeCheckpoint sha256 of a checkpoint of this order to continue from (its next stage is trained
   *     first), or null to train from scratch
   * @param persist whether to store the checkpoints; false for a proof run whose result is only compared
   */
  public ShardTrainTask(StoreHandle store, ModelSpec spec, int shard, int sequence, SliceOrder order, int numSlices,
      LetheSettings.TrainingSettings training, String resumeCheckpoint, boolean persist) {
    this.store = store;
    this.specJson = spec.toJson();
    this.shard = shard;
    this.sequence = sequence;
    this.order = new ArrayList<>(order.slices());
    this.numSlices = numSlices;
    this.training = training;
    this.resumeCheckpoint = resumeCheckpoint;
    this.persist = persist;
    this.libraryVersions = BuildInfo.libraryVersions();
  }

  @Override
  public Iterator<String> call(Iterator<Row> rows) throws IOException {
    long start = System.nanoTime();
    long cpuStart = threadCpuNanos();
    Optional<String> gpu = TaskGpu.ofCurrentTask();
    gpu.ifPresent(GpuBinder::bindCurrentThread);
    LOG.info("Shard {} trains on the {} backend, device {}{}", shard, NativeRuntime.backendName(),
        NativeRuntime.deviceName(), gpu.map(address -> " (Spark GPU address " + address + ")").orElse(""));
    ModelSpec spec = ModelSpec.fromJson(specJson);
    List<SliceData> slices = ExampleRows.toSlices(rows, shard, numSlices, spec.numFeatures());
    NativeRuntime.pinThreads(training.nativeThreads());
    LetheStore opened = store.open();
    if (persist) {
      RecordIdSets idSets = new RecordIdSets(opened);
      slices.forEach(slice -> idSets.write(slice.recordIds()));
    }
    CheckpointRepository checkpoints = new CheckpointRepository(opened);
    ResumePoint resume = resumeCheckpoint == null
        ? null
        : new ResumePoint(checkpoints.loadModel(resumeCheckpoint), checkpoints.loadProvenance(resumeCheckpoint));
    ShardTrainer trainer = training.applyTo(ShardTrainer.builder())
        .spec(spec)
        .shard(shard)
        .numSlices(numSlices)
        .libraryVersions(libraryVersions)
        .clock(Clock.systemUTC())
        .build();
    String failPointSequence = sequence == 0 ? "" : ".sequence-" + sequence;
    TrainingResult result = trainer.train(slices, new SliceOrder(order), resume, (checkpoint, provenance) -> {
      if (persist) {
        checkpoints.accept(checkpoint, provenance);
      }
      FailPoints.check("train.after-checkpoint.shard-" + shard + failPointSequence + ".slice-"
          + provenance.slice());
    });
    List<String> provenance = new ArrayList<>();
    result.checkpoints().forEach(p -> provenance.add(p.toJson()));
    double seconds = (System.nanoTime() - start) / 1e9;
    long cpuEnd = threadCpuNanos();
    double cpuSeconds = cpuStart < 0 || cpuEnd < 0 ? -1 : (cpuEnd - cpuStart) / 1e9;
    return List.of(new ShardTrainResult(shard, sequence, provenance, result.metrics(), seconds, cpuSeconds).toJson())
        .iterator();
  }

  /** CPU time of the current thread in nanoseconds, or -1 when the JVM does not measure it. */
  private static long threadCpuNanos() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    return threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled()
        ? threads.getCurrentThreadCpuTime() : -1;
  }

}
