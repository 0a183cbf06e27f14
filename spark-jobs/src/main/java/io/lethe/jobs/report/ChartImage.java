package io.lethe.jobs.report;

/**
 * One chart of the report, drawn.
 *
 * @param file the PNG's file name in the report folder
 * @param png the encoded image, {@code width} x {@code height} pixels
 */
public record ChartImage(String file, String title, String caption, int width, int height, byte[] png) {}
