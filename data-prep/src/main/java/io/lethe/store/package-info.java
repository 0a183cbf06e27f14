/**
 * The Lethe store: one root URI on any Hadoop FileSystem holding data versions, checkpoints, generations and the
 * ledger, and the commit protocol (stage, then one atomic rename) that keeps every reader on a complete state.
 */
package io.lethe.store;
