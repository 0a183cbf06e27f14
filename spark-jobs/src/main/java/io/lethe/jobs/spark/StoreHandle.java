package io.lethe.jobs.spark;

import io.lethe.store.LetheStore;
import java.io.Serializable;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * What an executor needs to open the driver's store: its URI and the driver's Hadoop configuration (credentials,
 * file system settings), carried as plain strings because Hadoop's Configuration is not serializable.
 */
public record StoreHandle(String uri, boolean allowNonAtomicRename, Map<String, String> hadoopConf)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public static StoreHandle of(LetheStore store, SparkSession spark, boolean allowNonAtomicRename) {
    Map<String, String> conf = new HashMap<>();
    for (Map.Entry<String, String> e : spark.sparkContext().hadoopConfiguration()) {
      conf.put(e.getKey(), e.getValue());
    }
    return new StoreHandle(store.uri().toString(), allowNonAtomicRename, Map.copyOf(conf));
  }

  /** Opens the store on an executor. */
  public LetheStore open() {
    Configuration conf = new Configuration(false);
    hadoopConf.forEach(conf::set);
    return LetheStore.open(uri, conf, allowNonAtomicRename, Clock.systemUTC());
  }
}
