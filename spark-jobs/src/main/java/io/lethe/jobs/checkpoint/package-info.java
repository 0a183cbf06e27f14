/** Checkpoints in the store: content-addressed model zips beside their provenance, written once, verified on load. */
package io.lethe.jobs.checkpoint;
