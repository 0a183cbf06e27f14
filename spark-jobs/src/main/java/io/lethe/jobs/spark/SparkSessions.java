package io.lethe.jobs.spark;

import io.lethe.models.NativeRuntime;
import io.lethe.jobs.config.LetheSettings;
import java.util.Map;
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
