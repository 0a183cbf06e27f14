package io.lethe.models;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Content hashes of record id sets, which provenance uses to say exactly which records a checkpoint has seen. */
public final class RecordIds {

  private RecordIds() {
  }

  /**
   * SHA-256 (hex) of the ids sorted in {@link String} natural order, each encoded as UTF-8 and followed by
   * {@code '\n'}; an empty collection hashes the empty input. Equal sets give equal hashes whatever their order; for
   * ASCII ids the value equals {@code LC_ALL=C sort ids.txt | sha256sum} over a file with one id a line.
   *
   * @throws IllegalArgumentException if an id is null or holds a line break, which would make two different id sets
   *                                  hash alike
   */
  public static String sha256OfSorted(Collection<String> recordIds) {
    List<String> sorted = new ArrayList<>(recordIds.size());
    for (String id : recordIds) {
      if (id == null) {
        throw new IllegalArgumentException("record ids must not be null; fix the input data's id column");
      }
      if (id.indexOf('\n') >= 0 || id.indexOf('\r') >= 0) {
        throw new IllegalArgumentException("record id '" + id.replace("\n", "\\n").replace("\r", "\\r")
            + "' holds a line break; record ids must be single-line strings");
      }
      sorted.add(id);
    }
    sorted.sort(null);
    MessageDigest digest = Hashing.sha256();
    for (String id : sorted) {
      digest.update(id.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) '\n');
    }
    return Hashing.hex(digest.digest());
  }
}
