package io.lethe.prep;

import static org.apache.spark.sql.functions.length;

import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;

/**
 * What a record or subject id may be. Ids end up in paths, CSV audit exports and log lines, so the same rule holds
 * for prepared data and for deletion requests: 1 to {@value ExampleSchema#MAX_ID_LENGTH} characters, no control
 * characters, no '/', '\' or ','.
 */
public final class IdRules {
  /** The rule as error messages state it. */
  public static final String RULE = "Ids must be 1 to " + ExampleSchema.MAX_ID_LENGTH + " characters without control"
      + " characters, '/', '\\' or ','";

  private static final String FORBIDDEN_CHARACTERS = "[\\p{Cc}/\\\\,]";
  private static final Pattern FORBIDDEN = Pattern.compile(FORBIDDEN_CHARACTERS);
  private static final int SHOWN_ID_CHARS = 40;

  private IdRules() {}

  /** True for ids that break the rule (including null). */
  public static Column invalid(Column id) {
    return id.isNull().or(length(id).equalTo(0)).or(length(id).gt(ExampleSchema.MAX_ID_LENGTH))
        .or(id.rlike(FORBIDDEN_CHARACTERS));
  }

  /** The same rule as {@link #invalid(Column)}, for ids checked without Spark (lengths in characters). */
  public static boolean isInvalid(String id) {
    if (id == null || id.isEmpty()) {
      return true;
    }
    return id.codePointCount(0, id.length()) > ExampleSchema.MAX_ID_LENGTH || FORBIDDEN.matcher(id).find();
  }

  /** An id as messages show it: quoted, control characters escaped, long ids cut short. */
  public static String quote(String id) {
    if (id == null) {
      return "null";
    }
    String shown = id.length() > SHOWN_ID_CHARS ? id.substring(0, SHOWN_ID_CHARS) : id;
    StringBuilder quoted = new StringBuilder("'");
    shown.chars().forEach(c -> quoted.append(Character.isISOControl(c)
        ? String.format(Locale.ROOT, "\\u%04x", c)
        : String.valueOf((char) c)));
    quoted.append('\'');
    return id.length() > SHOWN_ID_CHARS ? quoted + "... (" + id.length() + " chars)" : quoted.toString();
  }
}
