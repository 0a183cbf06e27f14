package io.lethe.jobs.spark;

import io.lethe.jobs.config.LetheSettings;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Creates the Spark session of a Lethe command. Whatever spark-submit (or a notebook's existing session) set wins;
 * Lethe's settings only fill in what is missing, so the same jar runs locally and on a cluster.
 */
public final class SparkSessions {
  private SparkSessions() {}

  public static SparkSession getOrCreate(LetheSettings settings) {
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
    return SparkSession.builder().config(conf).getOrCreate();
  }
}
