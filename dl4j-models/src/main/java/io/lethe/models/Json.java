package io.lethe.models;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The Jackson mappers behind the JSON forms of model specs and provenance; one place so both stay canonical. */
final class Json {

  /** Rejects unknown and missing fields: a model spec feeds a config hash, so nothing may be guessed. */
  static final ObjectMapper STRICT = JsonMapper.builder()
      .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .build();

  /**
   * Ignores unknown fields, so files written by older and newer Lethe versions can be read by each other. Fields
   * keep the record's component order, which groups them for a human reader; maps are sorted by key.
   */
  static final ObjectMapper LENIENT = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private Json() {
  }

  static String write(ObjectMapper mapper, Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }

  /**
   * Reads JSON into a record, surfacing the record's own validation message when its constructor rejected the
   * values, so the user reads "numClasses must be >= 2, got 1" rather than a Jackson stack.
   */
  static <T> T read(ObjectMapper mapper, String json, Class<T> type, String what) {
    try {
      return mapper.readValue(json, type);
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IllegalArgumentException invalid) {
        throw new IllegalArgumentException("Invalid " + what + " JSON: " + invalid.getMessage(), invalid);
      }
      throw new IllegalArgumentException("Invalid " + what + " JSON: " + e.getOriginalMessage(), e);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("Invalid " + what + " JSON: " + e.getOriginalMessage(), e);
    }
  }
}
