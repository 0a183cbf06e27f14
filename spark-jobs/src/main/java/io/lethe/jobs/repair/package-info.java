/** {@code lethe repair}: rebuilds damaged or missing checkpoints by deterministic retraining, proven by their names. */
package io.lethe.jobs.repair;
