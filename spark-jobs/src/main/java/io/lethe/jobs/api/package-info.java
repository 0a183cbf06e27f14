/**
 * Lethe's API for notebooks and other JVM programs that already have a SparkSession (Zeppelin, spark-shell):
 * the same jobs as the command line, returning Spark tables to display.
 */
package io.lethe.jobs.api;
