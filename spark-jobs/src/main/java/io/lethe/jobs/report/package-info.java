/**
 * {@code lethe report}: one self-contained HTML page with PNG charts of what the store serves and has forgotten:
 * test accuracy, training curves, each forget batch's timeline and its speed-up against full retraining.
 */
package io.lethe.jobs.report;
