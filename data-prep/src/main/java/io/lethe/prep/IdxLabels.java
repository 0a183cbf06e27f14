package io.lethe.prep;

import java.io.Serializable;

/**
 * The labels of one IDX label file, one unsigned byte each.
 *
 * @param file the file they were read from, for messages
 */
public record IdxLabels(String file, byte[] labels) implements Serializable {
  /** How many labels the file holds. */
  public int count() {
    return labels.length;
  }

  /** The label of one item, 0 to 255. */
  public int label(int index) {
    return Byte.toUnsignedInt(labels[index]);
  }
}
