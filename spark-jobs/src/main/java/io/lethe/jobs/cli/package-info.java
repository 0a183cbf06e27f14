/** The {@code lethe} command line: one picocli command per job, sharing how settings and the store are resolved. */
package io.lethe.jobs.cli;
