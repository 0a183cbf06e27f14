package io.lethe.jobs.cluster;

import io.lethe.jobs.testing.Scripts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A standalone cluster started by submit/cluster/start-standalone in a state dir of its own, on free ports, and
 * what a test needs to see inside it: the applications and executor logs under the Workers' work dirs, and the
 * executor JVMs the Workers launched.
 */
record StandaloneCluster(Path root, Path stateDir, String masterUrl, Map<String, String> env, Path logs)
    implements AutoCloseable {
  static final int WORKERS = 2;
  private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(3);

  /**
   * One executor's log of Lethe's progress, {@code work/worker-N/<application>/<executor>/stdout}
   * (conf/log4j2.properties sends progress to stdout, everything else to the log file).
   */
  record ExecutorLog(int worker, String application, String executorId, Path file) {}

  /** Starts the cluster (a Master and {@link #WORKERS} one-core Workers) and returns once they are ALIVE. */
  static StandaloneCluster start(Path root, Path stateDir, Path logs) {
    Map<String, String> env = Map.of(
        "LETHE_STANDALONE_DIR", stateDir.toString(),
        "LETHE_MASTER_PORT", Integer.toString(freePort()),
        "LETHE_MASTER_UI_PORT", Integer.toString(freePort()),
        "LETHE_WORKER_UI_PORT", "0",
        "LETHE_WORKERS", Integer.toString(WORKERS),
        "LETHE_WORKER_CORES", "1");
    Scripts.Result started = Scripts.run(root, "submit/cluster/start-standalone", List.of(), env, logs,
        "start-standalone", SCRIPT_TIMEOUT);
    StandaloneCluster cluster = new StandaloneCluster(root, stateDir, started.stdout().strip(), env, logs);
    if (started.exitCode() != 0 || !cluster.masterUrl().equals("spark://127.0.0.1:" + env.get("LETHE_MASTER_PORT"))) {
      cluster.close();
      throw new AssertionError("start-standalone did not start the cluster: " + started.describe());
    }
    return cluster;
  }

  /**
   * Stops the cluster's daemons and their executors (only the pids its state dir recorded), then deletes the copy
   * of the application jar each executor got in its work dir (150 MB apiece); the executor logs stay.
   */
  @Override
  public void close() {
    stop(root, stateDir, logs);
    Path work = stateDir.resolve("work");
    if (!Files.isDirectory(work)) {
      return;
    }
    try (Stream<Path> files = Files.walk(work)) {
      for (Path jar : files.filter(f -> f.getFileName().toString().endsWith(".jar")).toList()) {
        Files.delete(jar);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops whatever start-standalone left running from {@code stateDir}; nothing if nothing runs. */
  static void stop(Path root, Path stateDir, Path logs) {
    Scripts.Result stopped = Scripts.run(root, "submit/cluster/stop-standalone", List.of(),
        Map.of("LETHE_STANDALONE_DIR", stateDir.toString()), logs, "stop-standalone", SCRIPT_TIMEOUT);
    if (stopped.exitCode() != 0) {
      throw new AssertionError("stop-standalone failed: " + stopped.describe());
    }
  }

  /** Ids of the applications that have run on the cluster so far. */
  Set<String> applications() {
    Set<String> apps = new TreeSet<>();
    for (int worker = 1; worker <= WORKERS; worker++) {
      try (Stream<Path> dirs = list(workDir(worker))) {
        dirs.forEach(d -> apps.add(d.getFileName().toString()));
      }
    }
    return apps;
  }

  /** The logs of every executor of applications not in {@code excluded}. */
  List<ExecutorLog> executorLogs(Set<String> excluded) {
    List<ExecutorLog> logs = new ArrayList<>();
    for (int worker = 1; worker <= WORKERS; worker++) {
      try (Stream<Path> apps = list(workDir(worker))) {
        for (Path app : apps.filter(a -> !excluded.contains(a.getFileName().toString())).toList()) {
          try (Stream<Path> executors = list(app)) {
            for (Path executor : executors.toList()) {
              logs.add(new ExecutorLog(worker, app.getFileName().toString(), executor.getFileName().toString(),
                  executor.resolve("stdout")));
            }
          }
        }
      }
    }
    return logs;
  }

  /** The live executor JVM that wrote {@code log}: a child of its Worker with that application and executor id. */
  Optional<ProcessHandle> executorProcess(ExecutorLog log) {
    return ProcessHandle.of(workerPid(log.worker())).stream()
        .flatMap(ProcessHandle::children)
        .filter(p -> {
          List<String> args = Arrays.asList(p.info().arguments().orElse(new String[0]));
          return args.contains("org.apache.spark.executor.CoarseGrainedExecutorBackend")
              && follows(args, "--app-id", log.application()) && follows(args, "--executor-id", log.executorId());
        })
        .findFirst();
  }

  private long workerPid(int worker) {
    try {
      return Long.parseLong(Files.readString(stateDir.resolve("pids/worker-" + worker + ".pid")).strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path workDir(int worker) {
    return stateDir.resolve("work/worker-" + worker);
  }

  private static boolean follows(List<String> args, String option, String value) {
    int i = args.indexOf(option);
    return i >= 0 && i + 1 < args.size() && args.get(i + 1).equals(value);
  }

  private static Stream<Path> list(Path dir) {
    try {
      return Files.isDirectory(dir) ? Files.list(dir).filter(Files::isDirectory) : Stream.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
