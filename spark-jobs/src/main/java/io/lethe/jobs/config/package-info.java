/**
 * Lethe's settings: the key names, the order in which sources override each other, and the immutable, validated
 * settings object every job receives. Defaults live only in {@code conf/application.conf}.
 */
package io.lethe.jobs.config;
