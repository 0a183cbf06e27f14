package io.lethe.jobs.forget;

import io.lethe.models.CheckpointCodec;
import io.lethe.store.Json;
import io.lethe.store.LetheStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * The store's tamper-evident audit trail: one hash chain over every ledger submission and every forget-journal
 * entry, in the order they were committed. Each entry's JSON records in {@code chain} the sha256 of its
 * predecessor's bytes, and a link file {@code ledger/chain/<seq>.json} records each entry's path and sha256, so
 * appending costs one listing and one small read (the newest link), not a re-read of the trail. {@link #verify}
 * recomputes the chain and names every entry edited, removed, reordered or inserted. Entries written before the
 * chain existed have no {@code chain} field and are accepted as history if they are older than its first entry.
 */
public final class AuditChain {
  /** The JSON field of a chained entry holding its predecessor's sha256 ("" for the first entry). */
  public static final String CHAIN = "chain";

  private final LetheStore store;

  public AuditChain(LetheStore store) {
    this.store = store;
  }

  /** One link: entry {@code seq} is the file at {@code entry} (relative to the store) whose bytes hash to sha256. */
  public record Link(long seq, String entry, String sha256, String previous) {}

  /** One thing wrong with the trail. */
  public record Finding(String where, String detail) {}

  /** The outcome of a verification: the head a compliance team pins, and what is wrong. */
  public record Verification(long entries, String head, List<Finding> findings) {
    public boolean ok() {
      return findings.isEmpty();
    }
  }

  public Path dir() {
    return new Path(store.layout().ledgerDir(), "chain");
  }

  /**
   * Serialises {@code fields} with the chain field set to the current head and commits it at {@code target}
   * (via {@code write}, which may stage it), then links it. The caller holds the store lock.
   *
   * @param finalPath where the entry will be visible once {@code write} returns (the link names it)
   */
  public byte[] append(Map<String, Object> fields, Path finalPath, java.util.function.Consumer<byte[]> write) {
    Optional<Link> head = linkOrphan(head());
    Map<String, Object> chained = new LinkedHashMap<>(fields);
    chained.put(CHAIN, head.map(Link::sha256).orElse(""));
    byte[] bytes = Json.write(chained).getBytes(StandardCharsets.UTF_8);
    write.accept(bytes);
    long seq = head.map(l -> l.seq() + 1).orElse(1L);
    Link link = new Link(seq, relative(finalPath), CheckpointCodec.sha256Hex(bytes),
        head.map(Link::sha256).orElse(""));
    store.commitNewFile(linkPath(seq), Json.write(link).getBytes(StandardCharsets.UTF_8), false);
    return bytes;
  }

  /**
   * A writer killed between committing an entry and linking it leaves the newest entry chained onto the head but
   * unlinked; the next append links it first. Only the newest submission and the newest journal entry can be such
   * an entry, so this reads at most two small files.
   */
  private Optional<Link> linkOrphan(Optional<Link> head) {
    String headSha = head.map(Link::sha256).orElse("");
    for (Path candidate : newestEntries()) {
      String relative = relative(candidate);
      if (head.isPresent() && relative.equals(head.get().entry())) {
        continue;
      }
      byte[] bytes = store.readBytes(candidate);
      Map<?, ?> fields = Json.read(new String(bytes, StandardCharsets.UTF_8), Map.class, candidate.toString());
      if (fields.containsKey(CHAIN) && headSha.equals(fields.get(CHAIN))) {
        long seq = head.map(l -> l.seq() + 1).orElse(1L);
        Link link = new Link(seq, relative, CheckpointCodec.sha256Hex(bytes), headSha);
        store.commitNewFile(linkPath(seq), Json.write(link).getBytes(StandardCharsets.UTF_8), false);
        return Optional.of(link);
      }
    }
    return head;
  }

  /** The newest submission's sidecar and the newest entry of the newest batch's journal, where they exist. */
  private List<Path> newestEntries() {
    List<Path> newest = new ArrayList<>();
    Path requests = new Path(store.layout().ledgerDir(), "requests");
    store.listNames(requests).stream().max(String::compareTo)
        .map(name -> new Path(new Path(requests, name), "_submission.json")).filter(store::exists)
        .ifPresent(newest::add);
    List<String> batches = ForgetJournal.batchIds(store);
    if (!batches.isEmpty()) {
      store.list(new Path(ForgetJournal.batchDir(store, batches.get(batches.size() - 1)), "journal")).stream()
          .map(FileStatus::getPath).filter(p -> p.getName().endsWith(".json")).max(Path::compareTo)
          .ifPresent(newest::add);
    }
    return newest;
  }

  /** The newest link, if the chain has begun. */
  public Optional<Link> head() {
    long newest = -1;
    for (String name : store.listNames(dir())) {
      newest = Math.max(newest, parseSeq(name));
    }
    return newest < 0 ? Optional.empty() : Optional.of(readLink(linkPath(newest)));
  }

  private Path linkPath(long seq) {
    return new Path(dir(), String.format(Locale.ROOT, "%010d.json", seq));
  }

  private static long parseSeq(String name) {
    if (!name.matches("\\d{10}\\.json")) {
      return -1;
    }
    return Long.parseLong(name.substring(0, 10));
  }

  private Link readLink(Path path) {
    return Json.read(store.readString(path), Link.class, path.toString());
  }

  private String relative(Path path) {
    String root = store.layout().root().toUri().getPath();
    String full = path.toUri().getPath();
    return full.startsWith(root + "/") ? full.substring(root.length() + 1) : full;
  }

  /**
   * Recomputes the chain from the entries' bytes and reports each entry edited, removed, reordered or inserted.
   *
   * @param pinnedHead a head sha256 pinned earlier (from {@code audit --export}), or null; the chain must still
   *     contain it, so removing the newest entries is found too
   */
  public Verification verify(String pinnedHead) {
    List<Finding> findings = new ArrayList<>();
    Map<Long, Link> links = new TreeMap<>();
    for (FileStatus status : store.list(dir())) {
      long seq = parseSeq(status.getPath().getName());
      if (seq > 0) {
        links.put(seq, readLink(status.getPath()));
      }
    }
    Map<String, Long> seqOfSha = new HashMap<>();
    links.forEach((seq, link) -> seqOfSha.put(link.sha256(), seq));
    Map<String, Long> linkedPaths = new HashMap<>();
    links.forEach((seq, link) -> linkedPaths.put(link.entry(), seq));

    String previous = "";
    long expectedSeq = 1;
    String firstChainedAt = null;
    for (Map.Entry<Long, Link> e : links.entrySet()) {
      long seq = e.getKey();
      Link link = e.getValue();
      for (; expectedSeq < seq; expectedSeq++) {
        findings.add(new Finding("seq " + expectedSeq, "the chain has no entry " + expectedSeq + ": an entry and"
            + " its link were removed"));
      }
      expectedSeq = seq + 1;
      Path entry = new Path(store.layout().root(), link.entry());
      String where = link.entry() + " (seq " + seq + ")";
      if (!link.previous().equals(previous)) {
        findings.add(new Finding(where, "its link names predecessor " + abbrev(link.previous()) + " but the entry"
            + " before it in the chain hashes to " + abbrev(previous) + ": entries were reordered, inserted or"
            + " removed"));
      }
      previous = link.sha256();
      if (!store.exists(entry)) {
        findings.add(new Finding(where, "was removed: the chain records it but the file is gone"));
        continue;
      }
      byte[] bytes = store.readBytes(entry);
      String actual = CheckpointCodec.sha256Hex(bytes);
      if (!actual.equals(link.sha256())) {
        Long other = seqOfSha.get(actual);
        findings.add(new Finding(where, other != null
            ? "holds the entry the chain records at seq " + other + " (" + links.get(other).entry() + "): entries"
                + " were reordered"
            : "was edited: its bytes hash to " + abbrev(actual) + " but the chain recorded "
                + abbrev(link.sha256())));
        continue;
      }
      Map<?, ?> fields = Json.read(new String(bytes, StandardCharsets.UTF_8), Map.class, entry.toString());
      if (firstChainedAt == null) {
        firstChainedAt = time(fields);
      }
      if (!link.previous().equals(fields.get(CHAIN))) {
        findings.add(new Finding(where, "records predecessor " + abbrev(String.valueOf(fields.get(CHAIN)))
            + " but its link records " + abbrev(link.previous()) + ": the chain was rewritten"));
      }
    }
    for (Path entry : entries()) {
      String relative = relative(entry);
      if (linkedPaths.containsKey(relative)) {
        continue;
      }
      Map<?, ?> fields = Json.read(store.readString(entry), Map.class, entry.toString());
      String at = time(fields);
      boolean legacy = !fields.containsKey(CHAIN)
          && (firstChainedAt == null || (at != null && at.compareTo(firstChainedAt) < 0));
      if (!legacy) {
        findings.add(new Finding(relative, "is not in the chain: it was inserted after the fact"));
      }
    }
    String head = links.isEmpty() ? "" : links.get(((TreeMap<Long, Link>) links).lastKey()).sha256();
    if (pinnedHead != null && !pinnedHead.isBlank() && !seqOfSha.containsKey(pinnedHead)) {
      findings.add(new Finding("head", "the pinned head " + abbrev(pinnedHead) + " is not in the chain (its head"
          + " is " + abbrev(head) + "): entries up to the pinned head were removed or the chain was rewritten"));
    }
    return new Verification(links.size(), head, findings);
  }

  /** Every ledger submission sidecar and journal entry in the store. */
  private List<Path> entries() {
    List<Path> entries = new ArrayList<>();
    for (FileStatus submission : store.list(new Path(store.layout().ledgerDir(), "requests"))) {
      Path info = new Path(submission.getPath(), "_submission.json");
      if (submission.isDirectory() && store.exists(info)) {
        entries.add(info);
      }
    }
    for (String batch : ForgetJournal.batchIds(store)) {
      for (FileStatus file : store.list(new Path(ForgetJournal.batchDir(store, batch), "journal"))) {
        if (file.getPath().getName().endsWith(".json")) {
          entries.add(file.getPath());
        }
      }
    }
    return entries;
  }

  private static String time(Map<?, ?> fields) {
    Object at = fields.containsKey("at") ? fields.get("at") : fields.get("acknowledgedAt");
    return at == null ? null : at.toString();
  }

  private static String abbrev(String sha) {
    return sha == null || sha.isEmpty() ? "(none)" : sha;
  }
}
