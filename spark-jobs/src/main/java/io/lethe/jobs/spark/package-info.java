/** Spark plumbing shared by the jobs: the session, and the store as executors open it. */
package io.lethe.jobs.spark;
