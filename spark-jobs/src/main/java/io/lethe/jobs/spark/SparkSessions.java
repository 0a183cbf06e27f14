package io.lethe.jobs.spark;

import io.lethe.models.NativeRuntime;
import io.lethe.jobs.config.LetheSettings;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * Creates the Spark session of a Lethe command. Whatever spark-submit (or a notebook's existing session) set wins;
 * Lethe's settings only fill in what is missing, so the same jar runs locally and on a cluster.
 */
public final class SparkSessions {
  private SparkSessions() {}

  public static SparkSession getOrCreate(LetheSettings settings) {
    return SparkSession.builder().config(sparkConf(settings)).getOrCreate();
  }

  /**
   * Starts the session on a background thread, so that its seconds of start-up overlap work that needs no Spark
   * (a command-line forget's acknowledgement). Once started, one trivial job runs on it, so that Spark SQL's
   * first query planning and code generation (seconds, once per process) are not paid by the first real step.
   * With a local master, where training runs in this JVM, ND4J's native backend is loaded beside it, off the path
   * of the first training task. Take the session with {@link #await}; the warm-up job may still be running.
   */
  public static CompletableFuture<SparkSession> startInBackground(LetheSettings settings) {
    SparkConf conf = sparkConf(settings);
    if (conf.get("spark.master", "").startsWith("local")) {
      CompletableFuture.runAsync(NativeRuntime::backendName);
    }
    CompletableFuture<SparkSession> session =
        CompletableFuture.supplyAsync(() -> SparkSession.builder().config(conf).getOrCreate());
    session.thenAcceptAsync(SparkSessions::warmUp);
    return session;
  }

  private static void warmUp(SparkSession spark) {
    try {
      spark.sparkContext().setLocalProperty("spark.job.description", "lethe: warm-up");
      spark.range(1).selectExpr("id + 1 AS x").collectAsList();
      spark.sparkContext().setLocalProperty("spark.job.description", null);
    } catch (RuntimeException e) {
      // Only an optimisation: whatever failed here fails again, with its message, where the work needs it.
    }
  }

  /** The session {@link #startInBackground} started, or what stopped it from starting, as thrown. */
  public static SparkSession await(CompletableFuture<SparkSession> starting) {
    try {
      return starting.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }

  /**
   * The Hadoop configuration the session would give the store (its {@code spark.hadoop.*} properties over the
   * Hadoop defaults), without starting Spark: for work that must not wait for a session, such as acknowledging a
   * deletion request.
   */
  public static Configuration hadoopConfiguration(LetheSettings settings) {
    Configuration hadoop = new Configuration();
    for (Tuple2<String, String> e : sparkConf(settings).getAllWithPrefix("spark.hadoop.")) {
      hadoop.set(e._1(), e._2());
    }
    return hadoop;
  }

  private static SparkConf sparkConf(LetheSettings settings) {
    SparkConf conf = new SparkConf();
    if (!conf.contains("spark.master")) {
      conf.setMaster(settings.spark().master());
    }
    if (!conf.contains("spark.app.name")) {
      conf.setAppName(settings.spark().appName());
    }
    for (Map.Entry<String, String> e : settings.spark().conf().entrySet()) {
      conf.setIfMissing(e.getKey(), e.getValue());
    }
    // Executors must run their native code with the thread count the models were trained with.
    conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", Integer.toString(settings.training().nativeThreads()));
    // ... and the CPU kernels of OpenBLAS they were trained with (NativeRuntime.requireOpenblasCoretype).
    if (!settings.training().openblasCoretype().isEmpty()) {
      conf.setIfMissing("spark.executorEnv." + NativeRuntime.OPENBLAS_CORETYPE, settings.training().openblasCoretype());
    }
    return conf;
  }
}
