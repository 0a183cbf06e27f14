package io.lethe.prep;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The canonical example schema every reader produces, and the columns the examples on disk add. Ids are never null
 * (a missing id reads as the empty string, which validation rejects); label and features may be null at read time
 * so that validation can name the rows that lack them.
 */
public final class ExampleSchema {
  public static final String RECORD_ID = "record_id";
  public static final String SUBJECT_ID = "subject_id";
  public static final String LABEL = "label";
  public static final String FEATURES = "features";
  /** Partition column of the examples on disk: the shard a row belongs to. */
  public static final String SHARD = "shard";
  /** Partition column of the examples on disk: the slice of its shard a row belongs to. */
  public static final String SLICE = "slice";

  /**
   * Column a training input carries while it is prepared when the settings name a deletion prior column: the row's
   * prior as a double. It decides the slice and is summed into the manifest, never written with the examples.
   */
  public static final String DELETION_PRIOR = "deletion_prior";

  /** Longest record or subject id accepted; ids become parts of file paths and audit exports. */
  public static final int MAX_ID_LENGTH = 256;

  /** What readers produce and the test split holds: record_id, subject_id, label, features. */
  public static final StructType INPUT = new StructType()
      .add(RECORD_ID, DataTypes.StringType, false)
      .add(SUBJECT_ID, DataTypes.StringType, false)
      .add(LABEL, DataTypes.IntegerType, true)
      .add(FEATURES, DataTypes.createArrayType(DataTypes.FloatType, true), true);

  /** The training examples: the input columns followed by the int partition columns shard and slice. */
  public static final StructType EXAMPLES = INPUT
      .add(SHARD, DataTypes.IntegerType, false)
      .add(SLICE, DataTypes.IntegerType, false);

  /** {@link #INPUT} followed by {@link #DELETION_PRIOR}. */
  public static final StructType INPUT_WITH_PRIOR = INPUT.add(DELETION_PRIOR, DataTypes.DoubleType, true);

  private ExampleSchema() {}

  /** The features of {@code row} at column {@code index} as floats; a missing element reads as NaN. */
  public static float[] features(Row row, int index) {
    List<Float> values = row.getList(index);
    float[] features = new float[values.size()];
    for (int i = 0; i < features.length; i++) {
      Float value = values.get(i);
      features[i] = value == null ? Float.NaN : value;
    }
    return features;
  }
}
