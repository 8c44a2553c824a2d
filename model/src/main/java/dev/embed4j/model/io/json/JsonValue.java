package dev.embed4j.model.io.json;

import java.math.BigInteger;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable JSON tree as {@link JsonReader} reads it: objects (members in file order; a repeated key
 * keeps its first place and its last value), arrays, strings, numbers, booleans, null, and the missing
 * value that {@link #path} returns for an absent key.
 *
 * <p>The methods are the subset of Jackson's {@code JsonNode} that the model's readers use, with Jackson's
 * meaning, so a reader reads the same from this tree as it did from Jackson's: {@code asInt(7)} of a
 * string {@code "12"} is 12 and of {@code null} is 7, {@code asText()} of an object is empty,
 * {@code canConvertToInt()} of {@code 2.5} is true, iterating an object visits its values, and
 * {@code toString()} writes compact JSON as Jackson does (floating-point numbers as {@link
 * Double#toString}). {@code JsonReaderParityTest} holds the two together. A number also keeps the text the
 * file wrote ({@link #numberText()}).
 */
public abstract sealed class JsonValue implements Iterable<JsonValue> {
  /** What {@link #path} returns for an absent key or index. */
  public static final JsonValue MISSING = new Missing();
  public static final JsonValue NULL = new Null(), TRUE = new Bool(true), FALSE = new Bool(false);

  private JsonValue() {}

  public boolean isObject() {
    return false;
  }

  public boolean isArray() {
    return false;
  }

  public boolean isTextual() {
    return false;
  }

  public boolean isNumber() {
    return false;
  }

  /** A number written without a fraction or exponent, of any size. */
  public boolean isIntegralNumber() {
    return false;
  }

  /** A number written with a fraction or an exponent. */
  public boolean isFloatingPointNumber() {
    return false;
  }

  public boolean isBoolean() {
    return false;
  }

  public boolean isNull() {
    return false;
  }

  public boolean isMissingNode() {
    return false;
  }

  /** Members of an object, elements of an array, 0 for anything else. */
  public int size() {
    return 0;
  }

  public boolean isEmpty() {
    return size() == 0;
  }

  /** An object's member, or null (absent key, or not an object). */
  public JsonValue get(String key) {
    return null;
  }

  /** An array's element, or null (index out of range, or not an array). */
  public JsonValue get(int index) {
    return null;
  }

  /** An object's member, or {@link #MISSING}. */
  public JsonValue path(String key) {
    return MISSING;
  }

  /** An array's element, or {@link #MISSING}. */
  public JsonValue path(int index) {
    return MISSING;
  }

  public boolean has(String key) {
    return get(key) != null;
  }

  /** An array's elements or an object's values, in file order; nothing for a scalar. */
  @Override
  public Iterator<JsonValue> iterator() {
    return Collections.emptyIterator();
  }

  /** An object's members in file order, unmodifiable; empty for anything else. */
  public Set<Map.Entry<String, JsonValue>> properties() {
    return Set.of();
  }

  /** A string's value, a number's or boolean's text, "null" for null, "" for containers and missing. */
  public abstract String asText();

  /** As {@link #asText()}, but {@code dflt} for null and missing. */
  public String asText(String dflt) {
    return asText();
  }

  /** A string's value, null for anything else. */
  public String textValue() {
    return null;
  }

  /** The number as the file wrote it; null for anything but a number. */
  public String numberText() {
    return null;
  }

  public int asInt() {
    return asInt(0);
  }

  /** A number cast to int, a string parsed as Jackson parses it, a boolean as 1/0, {@code dflt} otherwise. */
  public int asInt(int dflt) {
    return dflt;
  }

  public long asLong() {
    return asLong(0L);
  }

  public long asLong(long dflt) {
    return dflt;
  }

  public double asDouble() {
    return asDouble(0.0);
  }

  public double asDouble(double dflt) {
    return dflt;
  }

  public boolean asBoolean() {
    return asBoolean(false);
  }

  /** A boolean, a string "true"/"false", an integer other than 0; {@code dflt} otherwise (floats included). */
  public boolean asBoolean(boolean dflt) {
    return dflt;
  }

  /** A number's value cast to int; 0 for anything else. */
  public int intValue() {
    return 0;
  }

  public long longValue() {
    return 0L;
  }

  public double doubleValue() {
    return 0.0;
  }

  /** A number in int's range (a fraction is dropped by {@link #asInt()}); false for anything else. */
  public boolean canConvertToInt() {
    return false;
  }

  public boolean canConvertToLong() {
    return false;
  }

  /** Compact JSON, as Jackson's {@code JsonNode.toString()} writes it; "" for missing. */
  @Override
  public final String toString() {
    StringBuilder sb = new StringBuilder();
    appendTo(sb);
    return sb.toString();
  }

  abstract void appendTo(StringBuilder sb);

  // ---- the kinds of value -------------------------------------------------------------------------------

  /** An object; members in file order. */
  public static final class JsonObject extends JsonValue {
    private final Map<String, JsonValue> members;
    private final Set<Map.Entry<String, JsonValue>> view;

    /** Takes {@code members} (an insertion-ordered map nobody else changes). */
    JsonObject(Map<String, JsonValue> members) {
      this.members = members;
      this.view = Collections.unmodifiableMap(members).entrySet();
    }

    @Override
    public boolean isObject() {
      return true;
    }

    @Override
    public int size() {
      return members.size();
    }

    @Override
    public JsonValue get(String key) {
      return members.get(key);
    }

    @Override
    public JsonValue path(String key) {
      return members.getOrDefault(key, MISSING);
    }

    @Override
    public Iterator<JsonValue> iterator() {
      return Collections.unmodifiableCollection(members.values()).iterator();
    }

    @Override
    public Set<Map.Entry<String, JsonValue>> properties() {
      return view;
    }

    @Override
    public String asText() {
      return "";
    }

    @Override
    void appendTo(StringBuilder sb) {
      sb.append('{');
      boolean first = true;
      for (var e : members.entrySet()) {
        if (!first) sb.append(',');
        first = false;
        appendString(sb, e.getKey());
        sb.append(':');
        e.getValue().appendTo(sb);
      }
      sb.append('}');
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof JsonObject other && members.equals(other.members);
    }

    @Override
    public int hashCode() {
      return members.hashCode();
    }
  }

  /** An array. */
  public static final class JsonArray extends JsonValue {
    private final List<JsonValue> elements;

    /** Takes {@code elements} (a list nobody else changes). */
    JsonArray(List<JsonValue> elements) {
      this.elements = Collections.unmodifiableList(elements);
    }

    @Override
    public boolean isArray() {
      return true;
    }

    @Override
    public int size() {
      return elements.size();
    }

    @Override
    public JsonValue get(int index) {
      return index >= 0 && index < elements.size() ? elements.get(index) : null;
    }

    @Override
    public JsonValue path(int index) {
      return index >= 0 && index < elements.size() ? elements.get(index) : MISSING;
    }

    @Override
    public Iterator<JsonValue> iterator() {
      return elements.iterator();
    }

    @Override
    public String asText() {
      return "";
    }

    @Override
    void appendTo(StringBuilder sb) {
      sb.append('[');
      for (int i = 0; i < elements.size(); i++) {
        if (i > 0) sb.append(',');
        elements.get(i).appendTo(sb);
      }
      sb.append(']');
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof JsonArray other && elements.equals(other.elements);
    }

    @Override
    public int hashCode() {
      return elements.hashCode();
    }
  }

  /** A string. */
  public static final class JsonString extends JsonValue {
    private final String value;

    JsonString(String value) {
      this.value = value;
    }

    @Override
    public boolean isTextual() {
      return true;
    }

    @Override
    public String asText() {
      return value;
    }

    @Override
    public String textValue() {
      return value;
    }

    // Jackson's TextNode (NumberInput.parseAsInt/Long): trimmed, a leading '+' dropped, digits read as an
    // integer, anything else through Double and cast, the default when neither reads
    @Override
    public int asInt(int dflt) {
      String s = unsigned(value.trim());
      if (s == null) return dflt;
      try {
        return isInteger(s) ? Integer.parseInt(s) : (int) Double.parseDouble(s);
      } catch (NumberFormatException e) {
        return dflt;
      }
    }

    @Override
    public long asLong(long dflt) {
      String s = unsigned(value.trim());
      if (s == null) return dflt;
      try {
        return isInteger(s) ? Long.parseLong(s) : (long) Double.parseDouble(s);
      } catch (NumberFormatException e) {
        return dflt;
      }
    }

    /** {@code s} without a leading '+'; null when {@code s} is empty. */
    private static String unsigned(String s) {
      if (s.isEmpty()) return null;
      return s.charAt(0) == '+' ? s.substring(1) : s;
    }

    /** Digits after an optional '-' (none at all counts: Integer.parseInt then refuses it). */
    private static boolean isInteger(String s) {
      for (int i = s.startsWith("-") ? 1 : 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
      return true;
    }

    @Override
    public double asDouble(double dflt) {
      String s = value.trim();
      if (s.isEmpty()) return dflt;
      try {
        return Double.parseDouble(s);
      } catch (NumberFormatException e) {
        return dflt;
      }
    }

    @Override
    public boolean asBoolean(boolean dflt) {
      String s = value.trim();
      return s.equals("true") || (!s.equals("false") && dflt);
    }

    @Override
    void appendTo(StringBuilder sb) {
      appendString(sb, value);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof JsonString other && value.equals(other.value);
    }

    @Override
    public int hashCode() {
      return value.hashCode();
    }
  }

  /**
   * A number. An integer is held exactly (as a long, or a BigInteger past long's range), a number with a
   * fraction or an exponent as the nearest double (as Jackson's default tree holds it); either way the
   * file's text is kept where it is not the canonical one.
   */
  public static final class JsonNumber extends JsonValue {
    private final String text; // null: Long.toString(integer)
    private final long integer;
    private final BigInteger big; // an integer past long's range
    private final double floating;
    private final boolean integral;

    private JsonNumber(String text, long integer, BigInteger big, double floating, boolean integral) {
      this.text = text;
      this.integer = integer;
      this.big = big;
      this.floating = floating;
      this.integral = integral;
    }

    /** An integer that fits a long; {@code text} only when it is not {@code Long.toString(value)} (e.g. "-0"). */
    static JsonNumber ofLong(long value, String text) {
      return new JsonNumber(text, value, null, 0, true);
    }

    /** An integer written as {@code text}, of any size. */
    static JsonNumber ofInteger(String text) {
      BigInteger b = new BigInteger(text);
      if (b.bitLength() < 64) return ofLong(b.longValue(), text.equals(b.toString()) ? null : text);
      return new JsonNumber(text, b.longValue(), b, 0, true);
    }

    /** A number with a fraction or an exponent, written as {@code text}. */
    static JsonNumber ofFloating(String text) {
      return new JsonNumber(text, 0, null, Double.parseDouble(text), false);
    }

    @Override
    public boolean isNumber() {
      return true;
    }

    @Override
    public boolean isIntegralNumber() {
      return integral;
    }

    @Override
    public boolean isFloatingPointNumber() {
      return !integral;
    }

    @Override
    public String numberText() {
      return text != null ? text : Long.toString(integer);
    }

    /** An integral number's exact value. */
    public BigInteger bigIntegerValue() {
      return big != null ? big : integral ? BigInteger.valueOf(integer) : new java.math.BigDecimal(floating).toBigInteger();
    }

    @Override
    public int intValue() {
      return integral ? (int) integer : (int) floating; // big.longValue() keeps the low bits, as BigInteger.intValue does
    }

    @Override
    public long longValue() {
      return integral ? integer : (long) floating;
    }

    @Override
    public double doubleValue() {
      return !integral ? floating : big != null ? big.doubleValue() : integer;
    }

    @Override
    public int asInt(int dflt) {
      return intValue();
    }

    @Override
    public long asLong(long dflt) {
      return longValue();
    }

    @Override
    public double asDouble(double dflt) {
      return doubleValue();
    }

    @Override
    public boolean asBoolean(boolean dflt) {
      if (!integral) return dflt;
      return big != null || integer != 0;
    }

    @Override
    public boolean canConvertToInt() {
      if (!integral) return floating >= Integer.MIN_VALUE && floating <= Integer.MAX_VALUE;
      return big == null && integer == (int) integer;
    }

    @Override
    public boolean canConvertToLong() {
      if (!integral) return floating >= Long.MIN_VALUE && floating <= Long.MAX_VALUE;
      return big == null;
    }

    @Override
    public String asText() {
      return !integral ? Double.toString(floating) : big != null ? big.toString() : Long.toString(integer);
    }

    @Override
    void appendTo(StringBuilder sb) {
      boolean quoted = !integral && !Double.isFinite(floating); // 1e400: Jackson writes "Infinity", quoted
      if (quoted) sb.append('"');
      sb.append(asText());
      if (quoted) sb.append('"');
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof JsonNumber n) || n.integral != integral) return false;
      if (!integral) return Double.compare(floating, n.floating) == 0;
      return big != null ? big.equals(n.big) : n.big == null && integer == n.integer;
    }

    @Override
    public int hashCode() {
      return !integral ? Double.hashCode(floating) : big != null ? big.hashCode() : Long.hashCode(integer);
    }
  }

  /** true or false. */
  public static final class Bool extends JsonValue {
    private final boolean value;

    private Bool(boolean value) {
      this.value = value;
    }

    @Override
    public boolean isBoolean() {
      return true;
    }

    public boolean booleanValue() {
      return value;
    }

    @Override
    public String asText() {
      return value ? "true" : "false";
    }

    @Override
    public boolean asBoolean(boolean dflt) {
      return value;
    }

    @Override
    public int asInt(int dflt) {
      return value ? 1 : 0;
    }

    @Override
    public long asLong(long dflt) {
      return value ? 1 : 0;
    }

    @Override
    public double asDouble(double dflt) {
      return value ? 1 : 0;
    }

    @Override
    void appendTo(StringBuilder sb) {
      sb.append(asText());
    }
  }

  /** null. */
  public static final class Null extends JsonValue {
    private Null() {}

    @Override
    public boolean isNull() {
      return true;
    }

    @Override
    public String asText() {
      return "null";
    }

    @Override
    public String asText(String dflt) {
      return dflt;
    }

    @Override
    void appendTo(StringBuilder sb) {
      sb.append("null");
    }
  }

  /** No value: an absent key or index. */
  public static final class Missing extends JsonValue {
    private Missing() {}

    @Override
    public boolean isMissingNode() {
      return true;
    }

    @Override
    public String asText() {
      return "";
    }

    @Override
    public String asText(String dflt) {
      return dflt;
    }

    @Override
    void appendTo(StringBuilder sb) {}
  }

  /** A JSON string literal as Jackson writes one: {@code " \\}, short escapes, other controls as \\u00XX. */
  static void appendString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 15]);
          else sb.append(c);
        }
      }
    }
    sb.append('"');
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();
}
