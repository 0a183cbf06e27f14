package io.lethe.models;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One order in which a shard's slices are trained (S3T's "sequence"): a permutation of the slices 0..R-1. Stage n
 * of an order has trained on its first n slices, continuing from stage n-1; stage 0 is the untrained model. SISA
 * is the natural order 0, 1, ..., R-1.
 *
 * <p>A deletion in a slice cuts the order just before that slice: the stages that never saw it are those up to
 * {@link #longestPrefixAvoiding}. Its JSON form is {@code {"slices":[2,0,1]}}.
 *
 * @param slices the slice indices in training order, a permutation of 0..slices.size()-1
 */
public record SliceOrder(List<Integer> slices) {

  /** Requires a permutation of 0..R-1 with R >= 1; the message names the offending value. */
  public SliceOrder {
    if (slices == null || slices.isEmpty()) {
      throw new IllegalArgumentException("a slice order needs at least one slice, got "
          + (slices == null ? "null" : "[]"));
    }
    boolean[] seen = new boolean[slices.size()];
    for (Integer slice : slices) {
      if (slice == null || slice < 0 || slice >= slices.size()) {
        throw new IllegalArgumentException("slice order " + slices + " holds " + slice + ", outside 0.."
            + (slices.size() - 1) + "; an order of " + slices.size() + " slices is a permutation of 0.."
            + (slices.size() - 1));
      }
      if (seen[slice]) {
        throw new IllegalArgumentException("slice order " + slices + " holds slice " + slice
            + " twice; an order is a permutation of 0.." + (slices.size() - 1));
      }
      seen[slice] = true;
    }
    slices = List.copyOf(slices);
  }

  /** SISA's order 0, 1, ..., numSlices-1. */
  public static SliceOrder natural(int numSlices) {
    if (numSlices < 1) {
      throw new IllegalArgumentException("a slice order needs numSlices >= 1, got " + numSlices);
    }
    List<Integer> slices = new ArrayList<>(numSlices);
    for (int s = 0; s < numSlices; s++) {
      slices.add(s);
    }
    return new SliceOrder(slices);
  }

  /** The order listing {@code slices}; see the constructor for validation. */
  public static SliceOrder of(int... slices) {
    List<Integer> list = new ArrayList<>(slices.length);
    for (int slice : slices) {
      list.add(slice);
    }
    return new SliceOrder(list);
  }

  /**
   * Reads {@code {"slices":[...]}}.
   *
   * @throws IllegalArgumentException if the text is not such JSON or not a permutation
   */
  public static SliceOrder fromJson(String json) {
    return Json.read(Json.STRICT, json, SliceOrder.class, "slice order");
  }

  /** Compact JSON, {@code {"slices":[2,0,1]}}. */
  public String toJson() {
    return Json.write(Json.STRICT, this);
  }

  /** R, the number of slices of the shard. */
  public int numSlices() {
    return slices.size();
  }

  /** The slice trained at position {@code position} (0-based), i.e. the one stage position+1 adds. */
  public int sliceAt(int position) {
    return slices.get(position);
  }

  /** The first {@code length} slices, 0 <= length <= R: what stage {@code length} has trained on. */
  public List<Integer> prefix(int length) {
    if (length < 0 || length > slices.size()) {
      throw new IllegalArgumentException("a prefix of order " + slices + " has length 0.." + slices.size()
          + ", got " + length);
    }
    return slices.subList(0, length);
  }

  /** The stage that first trains on {@code slice}: its position in the order plus one. */
  public int stageOf(int slice) {
    int position = slices.indexOf(slice);
    if (position < 0) {
      throw new IllegalArgumentException("slice " + slice + " is not in order " + slices + " (slices 0.."
          + (slices.size() - 1) + ")");
    }
    return position + 1;
  }

  /**
   * The length of the longest prefix of this order holding none of {@code deletedSlices}: the last stage that
   * never saw them (0 when the first slice is deleted, R when none is). Slices outside 0..R-1 are refused.
   */
  public int longestPrefixAvoiding(Collection<Integer> deletedSlices) {
    int length = slices.size();
    for (int deleted : deletedSlices) {
      length = Math.min(length, stageOf(deleted) - 1);
    }
    return length;
  }

  /** Whether this is SISA's order 0, 1, ..., R-1. */
  @JsonIgnore
  public boolean isNatural() {
    return isNaturalPrefix(slices);
  }

  /** Whether {@code prefix} is 0, 1, ..., prefix.size()-1 (the empty prefix included). */
  public static boolean isNaturalPrefix(List<Integer> prefix) {
    for (int i = 0; i < prefix.size(); i++) {
      if (prefix.get(i) != i) {
        return false;
      }
    }
    return true;
  }

  /** {@code [2, 0, 1]}. */
  @Override
  public String toString() {
    return slices.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
  }
}
