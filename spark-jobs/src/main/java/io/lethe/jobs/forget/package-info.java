/**
 * Forgetting: deletion requests, their durable ledger, and the batch state machine that routes them to shards,
 * serves clean checkpoints at once, rewrites and purges the data and checkpoints, retrains and proves the result.
 */
package io.lethe.jobs.forget;
