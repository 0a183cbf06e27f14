/** Benchmarks behind {@code lethe bench}: measured on real data, written as JSON, quoted in the README. */
package io.lethe.jobs.bench;
