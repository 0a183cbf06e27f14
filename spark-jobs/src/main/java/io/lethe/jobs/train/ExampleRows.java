package io.lethe.jobs.train;

import io.lethe.models.SliceData;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * Turns a shard's example rows (record_id, label, features, slice) into per-slice arrays for the trainer. Input
 * order does not matter: the trainer orders examples by seeded keys of their record ids.
 */
public final class ExampleRows {
  private ExampleRows() {}

  /** Groups rows by slice; every slice 0..numSlices-1 is present, possibly empty. */
  public static List<SliceData> toSlices(Iterator<Row> rows, int shard, int numSlices, int numFeatures) {
    List<List<String>> ids = new ArrayList<>();
    List<FloatBuffer> features = new ArrayList<>();
    List<IntBuffer> labels = new ArrayList<>();
    for (int s = 0; s < numSlices; s++) {
      ids.add(new ArrayList<>());
      features.add(new FloatBuffer());
      labels.add(new IntBuffer());
    }
    while (rows.hasNext()) {
      Row row = rows.next();
      int slice = row.getInt(row.fieldIndex("slice"));
      String recordId = row.getString(row.fieldIndex("record_id"));
      if (slice < 0 || slice >= numSlices) {
        throw new IllegalStateException("record " + recordId + " of shard " + shard + " is in slice " + slice
            + " but the data has " + numSlices + " slices; the data version is inconsistent with its manifest");
      }
      List<Float> values = row.getList(row.fieldIndex("features"));
      if (values.size() != numFeatures) {
        throw new IllegalStateException("record " + recordId + " has " + values.size() + " features, expected "
            + numFeatures);
      }
      ids.get(slice).add(recordId);
      features.get(slice).addAll(values);
      labels.get(slice).add(row.getInt(row.fieldIndex("label")));
    }
    List<SliceData> slices = new ArrayList<>(numSlices);
    for (int s = 0; s < numSlices; s++) {
      slices.add(new SliceData(s, ids.get(s), features.get(s).toArray(), labels.get(s).toArray()));
    }
    return slices;
  }

  /** A growable float array, so a shard's features are not held as boxed Floats. */
  static final class FloatBuffer {
    private float[] values = new float[1024];
    private int size;

    void addAll(List<Float> more) {
      ensure(size + more.size());
      for (Float v : more) {
        values[size++] = v;
      }
    }

    float[] toArray() {
      return java.util.Arrays.copyOf(values, size);
    }

    private void ensure(int capacity) {
      if (capacity > values.length) {
        values = java.util.Arrays.copyOf(values, Math.max(capacity, values.length * 2));
      }
    }
  }

  /** A growable int array. */
  static final class IntBuffer {
    private int[] values = new int[256];
    private int size;

    void add(int v) {
      if (size == values.length) {
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    int[] toArray() {
      return java.util.Arrays.copyOf(values, size);
    }
  }
}
