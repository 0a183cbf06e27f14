package io.lethe.models;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns a network into checkpoint bytes and back. The bytes are a standard DL4J model zip, loadable by
 * {@code ModelSerializer.restoreMultiLayerNetwork}, with the same three entries ModelSerializer writes:
 * {@code configuration.json} (the configuration, which also carries the iteration and epoch counters Adam's bias
 * correction needs), {@code coefficients.bin} and {@code updaterState.bin} (both {@code Nd4j.write} arrays).
 *
 * <p>Unlike ModelSerializer, the bytes are a pure function of the network's state, so identical training gives an
 * identical file and content addressing works: entries always in that order, a fixed timestamp, no extra fields,
 * and STORED (uncompressed) entries. Storing rather than deflating keeps the bytes independent of the zlib build a
 * JVM links, and costs little since float weights barely compress.
 *
 * <p>Decoding never uses Java deserialization: it checks the hash, refuses any entry besides the three above (DL4J's
 * own loader would Java-deserialize some, such as {@code preprocessor.bin}), and rebuilds the network from the JSON
 * configuration and the two arrays.
 */
public final class CheckpointCodec {

  private static final String CONFIGURATION_JSON = "configuration.json";
  private static final String COEFFICIENTS_BIN = "coefficients.bin";
  private static final String UPDATER_STATE_BIN = "updaterState.bin";
  private static final List<String> ALLOWED_ENTRIES = List.of(CONFIGURATION_JSON, COEFFICIENTS_BIN, UPDATER_STATE_BIN);

  // In the DOS date range and not 1980-01-01T00:00, which java.util.zip treats as "earlier than DOS" and then
  // writes a time-zone-dependent extended timestamp field.
  private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2000, 1, 1, 0, 0);

  private CheckpointCodec() {
  }

  /**
   * Writes the network's configuration, parameters and updater state as a deterministic DL4J model zip.
   *
   * @throws UncheckedIOException if ND4J cannot serialise an array
   */
  public static EncodedCheckpoint encode(MultiLayerNetwork model) {
    try {
      byte[] bytes = zip(model);
      return new EncodedCheckpoint(bytes, sha256Hex(bytes));
    } catch (IOException e) {
      // Only in-memory streams are involved, so this is ND4J failing, not the disk.
      throw new UncheckedIOException("Cannot encode the network as a checkpoint: " + e.getMessage(), e);
    }
  }

  private static byte[] zip(MultiLayerNetwork model) throws IOException {
    ByteArrayOutputStream zipBytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(zipBytes, StandardCharsets.UTF_8)) {
      putStored(zip, CONFIGURATION_JSON,
          model.getLayerWiseConfigurations().toJson().getBytes(StandardCharsets.UTF_8));
      putStored(zip, COEFFICIENTS_BIN, arrayBytes(model.params()));
      Updater updater = model.getUpdater();
      INDArray updaterState = updater == null ? null : updater.getStateViewArray();
      // Same rule as ModelSerializer: an updater without state (e.g. plain SGD) gets no entry.
      if (updaterState != null && updaterState.length() > 0) {
        putStored(zip, UPDATER_STATE_BIN, arrayBytes(updaterState));
      }
    }
    return zipBytes.toByteArray();
  }

  /**
   * Restores a network, updater state included, from checkpoint bytes after checking them.
   *
   * @param zipBytes       the checkpoint zip
   * @param expectedSha256 the checkpoint's content address, e.g. from its provenance
   * @throws InvalidCheckpointException if the bytes hash to something else, hold an entry other than the three
   *                                    {@link #encode} writes, or cannot be read as a model
   */
  public static MultiLayerNetwork decode(byte[] zipBytes, String expectedSha256) {
    String actual = sha256Hex(zipBytes);
    if (!actual.equals(expectedSha256)) {
      throw new InvalidCheckpointException("Checkpoint " + expectedSha256 + " is corrupt: its bytes hash to "
          + actual + ". Delete it and retrain the shard, or restore it from backup.");
    }
    Map<String, byte[]> entries;
    try {
      entries = readEntries(zipBytes, expectedSha256);
    } catch (IOException e) {
      throw new InvalidCheckpointException("Checkpoint " + expectedSha256 + " is not a readable zip ("
          + e.getMessage() + "). Delete it and retrain the shard.", e);
    }
    byte[] json = entries.get(CONFIGURATION_JSON);
    byte[] coefficients = entries.get(COEFFICIENTS_BIN);
    if (json == null || coefficients == null) {
      throw new InvalidCheckpointException("Checkpoint " + expectedSha256 + " lacks "
          + (json == null ? CONFIGURATION_JSON : COEFFICIENTS_BIN)
          + ", so it is not a model checkpoint. Delete it and retrain the shard.");
    }
    MultiLayerConfiguration configuration;
    INDArray params;
    INDArray updaterState;
    try {
      configuration = MultiLayerConfiguration.fromJson(new String(json, StandardCharsets.UTF_8));
      params = readArray(coefficients);
      updaterState = entries.containsKey(UPDATER_STATE_BIN) ? readArray(entries.get(UPDATER_STATE_BIN)) : null;
    } catch (IOException | RuntimeException e) {
      throw new InvalidCheckpointException("Checkpoint " + expectedSha256 + " has an unreadable entry ("
          + e.getMessage() + "). Delete it and retrain the shard.", e);
    }
    // As ModelSerializer does: the parameters' stored type is the network's type.
    configuration.setDataType(params.dataType());
    MultiLayerNetwork network = new MultiLayerNetwork(configuration);
    network.init(params, false);
    if (updaterState != null) {
      network.getUpdater().setStateViewArray(network, updaterState, false);
    }
    return network;
  }

  /** Lowercase hex SHA-256 of the bytes: the content address of a checkpoint. */
  public static String sha256Hex(byte[] bytes) {
    return Hashing.sha256Hex(bytes);
  }

  private static void putStored(ZipOutputStream zip, String name, byte[] content) throws IOException {
    CRC32 crc = new CRC32();
    crc.update(content);
    ZipEntry entry = new ZipEntry(name);
    entry.setMethod(ZipEntry.STORED);
    entry.setSize(content.length);
    entry.setCompressedSize(content.length);
    entry.setCrc(crc.getValue());
    entry.setTimeLocal(ENTRY_TIME);
    zip.putNextEntry(entry);
    zip.write(content);
    zip.closeEntry();
  }

  private static byte[] arrayBytes(INDArray array) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      Nd4j.write(array, out);
    }
    return bytes.toByteArray();
  }

  private static INDArray readArray(byte[] bytes) throws IOException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      return Nd4j.read(in);
    }
  }

  private static Map<String, byte[]> readEntries(byte[] zipBytes, String sha256) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(zipBytes), StandardCharsets.UTF_8)) {
      for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        String name = entry.getName();
        if (!ALLOWED_ENTRIES.contains(name)) {
          throw new InvalidCheckpointException("Checkpoint " + sha256 + " holds unexpected entry '" + name
              + "'; refusing to load it because DL4J would Java-deserialize it. Allowed entries: "
              + String.join(", ", ALLOWED_ENTRIES) + ".");
        }
        if (entries.put(name, zip.readAllBytes()) != null) {
          throw new InvalidCheckpointException("Checkpoint " + sha256 + " holds entry '" + name
              + "' twice; refusing to guess which one counts. Delete it and retrain the shard.");
        }
      }
    }
    return entries;
  }
}
