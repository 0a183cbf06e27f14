package io.lethe.prep;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One input split read into the {@link ExampleSchema#INPUT} schema, not yet validated.
 *
 * @param name the files it came from, as messages name them
 * @param rows the rows, lazily read
 * @param derivedIds whether record ids were derived from label and features (no id column), so identical rows
 *     share an id
 * @param subjectsFromIds whether every subject id is its row's record id (no subject column)
 */
public record ExampleInput(String name, Dataset<Row> rows, boolean derivedIds, boolean subjectsFromIds) {}
