package io.lethe.jobs.forget;

import io.lethe.prep.IdRules;
import io.lethe.prep.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Deletion requests given as ids on the command line, validated without Spark: the same rules, request ids and
 * messages as {@link RequestReader#fromIds}, so that a small request can be acknowledged before (and without) a
 * Spark session starting. Repeated ids are one request.
 */
public final class CommandLineRequests {
  private static final String SOURCE = "the command line";
  private static final int SHOWN = 5;

  private CommandLineRequests() {}

  /** One validated request, with the columns of {@link RequestReader#SCHEMA}. */
  public record Request(String requestId, String idKind, String id, String reason) {}

  /**
   * Validates the ids and returns one request per distinct id, record ids first.
   *
   * @throws InvalidInputException naming every problem (and the first offending ids); nothing is returned then
   */
  public static List<Request> validate(List<String> recordIds, List<String> subjectIds, String reason) {
    List<String[]> rows = new ArrayList<>();
    recordIds.forEach(id -> rows.add(new String[] {RequestReader.RECORD, emptyToNull(id)}));
    subjectIds.forEach(id -> rows.add(new String[] {RequestReader.SUBJECT, emptyToNull(id)}));
    if (rows.isEmpty()) {
      throw new InvalidInputException("Nothing to forget: give --record, --subject, --file or --inbox.");
    }
    List<String> problems = new ArrayList<>();
    report(problems, rows, id -> id == null, "give neither a record_id nor a subject_id");
    report(problems, rows, id -> id != null && IdRules.isInvalid(id), "have an invalid id. " + IdRules.RULE);
    report(problems, rows, id -> id != null && id.contains("\uFFFD"),
        "have an id with bytes that are not valid UTF-8");
    if (!problems.isEmpty()) {
      throw new InvalidInputException("Rejected " + SOURCE + "; nothing was recorded (" + problems.size()
          + (problems.size() == 1 ? " problem):" : " problems):")
          + problems.stream().map(p -> "\n  - " + p).collect(Collectors.joining()));
    }
    String why = emptyToNull(reason);
    Map<String, Request> requests = new LinkedHashMap<>();
    for (String[] row : rows) {
      String requestId = derivedRequestId(row[0], row[1]);
      requests.putIfAbsent(requestId, new Request(requestId, row[0], row[1], why));
    }
    return List.copyOf(requests.values());
  }

  /**
   * The request id of a request that gives none: derived from what it asks to delete, as
   * {@link RequestReader} derives it ({@code req-} and the first 24 hex digits of sha256("kind:id")).
   */
  static String derivedRequestId(String idKind, String id) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((idKind + ":" + id).getBytes(StandardCharsets.UTF_8));
      return "req-" + HexFormat.of().formatHex(digest).substring(0, 24);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JVM", e);
    }
  }

  private static void report(List<String> problems, List<String[]> rows, Predicate<String> offending,
      String what) {
    List<String> ids = rows.stream().map(r -> r[1]).filter(offending).toList();
    if (ids.isEmpty()) {
      return;
    }
    List<String> shown = ids.stream()
        .sorted((a, b) -> a == null ? (b == null ? 0 : -1) : b == null ? 1 : a.compareTo(b))
        .limit(SHOWN)
        .map(IdRules::quote)
        .toList();
    problems.add((ids.size() == 1 ? "1 row" : ids.size() + " rows") + " " + what
        + (shown.stream().allMatch("null"::equals) ? "" : " (first: " + String.join(", ", shown) + ")"));
  }

  /** As Spark's {@code trim}, which {@link RequestReader} uses: only spaces count as blank. */
  private static String emptyToNull(String value) {
    return value == null || value.chars().allMatch(c -> c == ' ') ? null : value;
  }
}
