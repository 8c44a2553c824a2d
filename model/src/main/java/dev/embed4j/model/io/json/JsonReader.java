package dev.embed4j.model.io.json;

import dev.embed4j.model.io.json.JsonValue.JsonArray;
import dev.embed4j.model.io.json.JsonValue.JsonNumber;
import dev.embed4j.model.io.json.JsonValue.JsonObject;
import dev.embed4j.model.io.json.JsonValue.JsonString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 JSON reader: UTF-8 bytes in, a {@link JsonValue} tree out, anything else a
 * {@link JsonSyntaxException} that says at which line and column what was expected and what was found.
 *
 * <p>Why not Jackson: the model files (tokenizer.json, config.json, the safetensors header) are all the JSON
 * a model load reads, and in a fresh JVM initialising Jackson's databind alone was about half of a model
 * load, on both load threads (bench/RESULTS.md, issue 16). This reader is one class over a byte array.
 * Writing files keeps Jackson ({@link JacksonTrees}).
 *
 * <p>What it accepts is RFC 8259 and nothing more: no comments, single quotes, NaN or Infinity, leading
 * zeros, trailing commas, unescaped control characters in strings, or anything but whitespace after the
 * value; the text must be UTF-8 (a UTF-8 byte order mark is skipped, as Jackson skips it; UTF-16 and
 * UTF-32 are refused, and so is any byte sequence that is not UTF-8, overlong forms and encoded
 * surrogates included). Decisions where the RFC leaves a choice, taken as Jackson's {@code readTree}
 * takes them so that the files that loaded still load the same:
 * <ul>
 *   <li>a repeated key: the last value wins, in the place of the first;
 *   <li>a {@code \\uXXXX} escape of a lone surrogate is kept as that char (a pair makes one code point);
 *   <li>limits (Jackson's {@code StreamReadConstraints} defaults): nesting depth {@value #MAX_DEPTH}, a
 *       number's text {@value #MAX_NUMBER_LENGTH} characters, a string {@value #MAX_STRING_LENGTH} chars.
 * </ul>
 * Nesting is followed with an explicit stack, never recursion, so no file can overflow the thread's stack.
 */
public final class JsonReader {
  /** The deepest nesting of objects and arrays read. */
  public static final int MAX_DEPTH = 1000;
  /** The longest number read, in characters. */
  public static final int MAX_NUMBER_LENGTH = 1000;
  /** The longest string read, in chars. */
  public static final int MAX_STRING_LENGTH = 20_000_000;

  private final byte[] in;
  private final int end;
  private final int textStart; // after a byte order mark
  private int pos;

  private JsonReader(byte[] in, int offset, int length) {
    this.in = in;
    this.end = offset + length;
    boolean bom = length >= 3 && (in[offset] & 0xFF) == 0xEF && (in[offset + 1] & 0xFF) == 0xBB && (in[offset + 2] & 0xFF) == 0xBF;
    this.textStart = bom ? offset + 3 : offset;
    this.pos = textStart;
  }

  /** The JSON text in {@code utf8}. */
  public static JsonValue read(byte[] utf8) {
    return read(utf8, 0, utf8.length);
  }

  /** The JSON text in {@code utf8[offset, offset + length)}. */
  public static JsonValue read(byte[] utf8, int offset, int length) {
    if (offset < 0 || length < 0 || offset + length > utf8.length) {
      throw new IndexOutOfBoundsException("bytes [" + offset + ", " + (offset + length) + ") of " + utf8.length);
    }
    return new JsonReader(utf8, offset, length).document();
  }

  /** The JSON text {@code text} (read as its UTF-8 encoding). */
  public static JsonValue read(String text) {
    return read(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The JSON text in {@code file}; a {@link JsonSyntaxException} does not name the file, the caller does. */
  public static JsonValue read(Path file) throws IOException {
    return read(Files.readAllBytes(file));
  }

  private JsonValue document() {
    refuseUtf16Or32();
    skipWhitespace();
    if (pos == end) {
      throw error(pos, "expected a JSON value, found end of input" + (end == textStart ? " (the text is empty)" : ""));
    }
    JsonValue v = value();
    skipWhitespace();
    if (pos < end) throw error(pos, "expected the end of the text after the JSON value, found " + found(pos));
    return v;
  }

  /** A byte order mark of UTF-16/32, or a zero byte beside an ASCII character at the start. */
  private void refuseUtf16Or32() {
    if (end - pos < 2) return;
    int b0 = in[pos] & 0xFF, b1 = in[pos + 1] & 0xFF;
    boolean bom = (b0 == 0xFE && b1 == 0xFF) || (b0 == 0xFF && b1 == 0xFE);
    boolean zeros = (b0 == 0 && b1 != 0 && b1 < 0x80) || (b1 == 0 && b0 != 0 && b0 < 0x80) || (b0 == 0 && b1 == 0);
    if (bom || zeros) {
      throw error(pos, "expected UTF-8 text, found " + (bom ? "a UTF-16 byte order mark" : "zero bytes between the characters")
          + " (UTF-16 or UTF-32?); JSON files must be UTF-8");
    }
  }

  /**
   * One value and everything nested in it. {@code open} holds the containers being filled, innermost last
   * (a LinkedHashMap for an object, an ArrayList for an array), {@code keys} the key each object's next
   * value goes under.
   */
  @SuppressWarnings("unchecked")
  private JsonValue value() {
    Object[] open = new Object[16];
    String[] keys = new String[16];
    int depth = 0;
    while (true) {
      skipWhitespace();
      int c = pos < end ? in[pos] : -1;
      JsonValue v;
      switch (c) {
        case '{', '[' -> {
          if (depth == MAX_DEPTH) {
            throw error(pos, "objects and arrays nest deeper than " + MAX_DEPTH + " levels; at most " + MAX_DEPTH + " are read");
          }
          pos++;
          skipWhitespace();
          int close = c == '{' ? '}' : ']';
          if (pos < end && in[pos] == close) {
            pos++;
            v = c == '{' ? new JsonObject(new LinkedHashMap<>(4)) : new JsonArray(new ArrayList<>(0));
          } else {
            if (depth == open.length) {
              open = java.util.Arrays.copyOf(open, depth * 2);
              keys = java.util.Arrays.copyOf(keys, depth * 2);
            }
            if (c == '{') {
              open[depth] = new LinkedHashMap<String, JsonValue>();
              keys[depth] = memberKey(false);
            } else {
              open[depth] = new ArrayList<JsonValue>();
            }
            depth++;
            continue;
          }
        }
        case '"' -> v = new JsonString(string());
        case 't' -> v = literal("true", JsonValue.TRUE);
        case 'f' -> v = literal("false", JsonValue.FALSE);
        case 'n' -> v = literal("null", JsonValue.NULL);
        case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> v = number();
        default -> {
          if (c == ']' && depth > 0 && open[depth - 1] instanceof ArrayList) {
            throw error(pos, "expected a value after ',' in an array, found ']' (a trailing comma is not JSON)");
          }
          throw error(pos, "expected a JSON value, found " + found(pos) + hint(c));
        }
      }
      // v is complete: add it to its container, and close every container that ends right after it
      while (true) {
        if (depth == 0) return v;
        Object top = open[depth - 1];
        skipWhitespace();
        int d = pos < end ? in[pos] : -1;
        if (top instanceof LinkedHashMap<?, ?> members) {
          ((Map<String, JsonValue>) members).put(keys[depth - 1], v);
          if (d == ',') {
            pos++;
            skipWhitespace();
            keys[depth - 1] = memberKey(true);
            break;
          }
          if (d != '}') throw error(pos, "expected ',' or '}' after an object member, found " + found(pos));
          pos++;
          v = new JsonObject((Map<String, JsonValue>) members);
        } else {
          List<JsonValue> elements = (List<JsonValue>) top;
          elements.add(v);
          if (d == ',') {
            pos++;
            break;
          }
          if (d != ']') throw error(pos, "expected ',' or ']' after an array element, found " + found(pos));
          pos++;
          v = new JsonArray(elements);
        }
        open[--depth] = null;
        keys[depth] = null;
      }
    }
  }

  /** A member's key and the ':' after it; {@code pos} is at the key. */
  private String memberKey(boolean afterComma) {
    if (pos >= end || in[pos] != '"') {
      int c = pos < end ? in[pos] : -1;
      if (afterComma) {
        throw error(pos, "expected a string key after ',' in an object, found " + found(pos)
            + (c == '}' ? " (a trailing comma is not JSON)" : hint(c)));
      }
      throw error(pos, "expected a string key or '}' in an object, found " + found(pos) + hint(c));
    }
    String key = string();
    skipWhitespace();
    if (pos >= end || in[pos] != ':') {
      throw error(pos, "expected ':' after the key \"" + shorten(key) + "\", found " + found(pos));
    }
    pos++;
    return key;
  }

  private JsonValue literal(String word, JsonValue v) {
    for (int i = 0; i < word.length(); i++) {
      if (pos + i >= end || in[pos + i] != word.charAt(i)) {
        throw error(pos, "expected a JSON value, found " + found(pos) + " (did you mean " + word + "?)");
      }
    }
    pos += word.length();
    return v;
  }

  // ---- strings ------------------------------------------------------------------------------------------

  /** A string; {@code pos} is at its opening quote. ASCII and plain UTF-8 are cut from the bytes at once. */
  private String string() {
    int open = pos, i = pos + 1;
    boolean ascii = true;
    while (true) {
      if (i >= end) throw unterminated(open);
      int c = in[i];
      if (c == '"') break;
      if (c == '\\') return escapedString(open, i, ascii);
      if (c >= 0 && c < 0x20) throw control(i, c);
      if (c < 0) {
        i += utf8Length(i);
        ascii = false;
      } else {
        i++;
      }
    }
    String s = new String(in, open + 1, i - open - 1, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    checkLength(open, s.length());
    pos = i + 1;
    return s;
  }

  /** The rest of a string from its first backslash at {@code i}. */
  private String escapedString(int open, int i, boolean ascii) {
    StringBuilder sb = new StringBuilder(i - open + 16);
    sb.append(new String(in, open + 1, i - open - 1, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8));
    while (true) {
      if (i >= end) throw unterminated(open);
      int c = in[i];
      if (c == '"') break;
      if (c == '\\') {
        int e = i + 1 < end ? in[i + 1] & 0xFF : -1;
        switch (e) {
          case '"', '\\', '/' -> sb.append((char) e);
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            int cp = 0;
            for (int k = 2; k < 6; k++) {
              int h = i + k < end ? Character.digit(in[i + k], 16) : -1;
              if (h < 0 || in[i + k] < 0) {
                throw error(i, "expected 4 hex digits after \\u, found " + found(i + k) + " in the escape");
              }
              cp = cp << 4 | h;
            }
            sb.append((char) cp); // a surrogate pair arrives as its two halves; a lone half is kept, as Jackson keeps it
            i += 6;
            continue;
          }
          case -1 -> throw unterminated(open);
          default -> throw error(i, "invalid escape \\" + (e >= 0x20 && e < 0x7F ? String.valueOf((char) e) : found(i + 1))
              + " in a string; JSON's escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX");
        }
        i += 2;
      } else if (c >= 0 && c < 0x20) {
        throw control(i, c);
      } else if (c < 0) {
        int n = utf8Length(i);
        sb.appendCodePoint(codePoint(i, n));
        i += n;
      } else {
        sb.append((char) c);
        i++;
      }
    }
    checkLength(open, sb.length());
    pos = i + 1;
    return sb.toString();
  }

  private void checkLength(int open, int chars) {
    if (chars > MAX_STRING_LENGTH) {
      throw error(open, "a string of " + chars + " chars; at most " + MAX_STRING_LENGTH + " are read");
    }
  }

  private JsonSyntaxException unterminated(int open) {
    int[] at = position(open);
    return error(end, "expected '\"' to close the string that starts at line " + at[0] + ", column " + at[1]
        + ", found end of input");
  }

  private JsonSyntaxException control(int i, int c) {
    String name = switch (c) {
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      case '\t' -> "\\t";
      case '\b' -> "\\b";
      case '\f' -> "\\f";
      default -> String.format("\\u%04X", c);
    };
    return error(i, "control character " + String.format("U+%04X", c) + " in a string; JSON needs it escaped, as " + name);
  }

  /**
   * The length of the UTF-8 character at {@code i} (RFC 3629: no overlong forms, no surrogates, nothing
   * past U+10FFFF), or a {@link JsonSyntaxException} naming its bytes.
   */
  private int utf8Length(int i) {
    int n = validUtf8Length(i);
    if (n > 0) return n;
    StringBuilder bytes = new StringBuilder();
    for (int k = i; k < Math.min(end, i + 4); k++) bytes.append(k > i ? " " : "").append(String.format("0x%02X", in[k] & 0xFF));
    throw error(i, "bytes that are not UTF-8 (" + bytes + "); JSON text must be UTF-8");
  }

  /** The length of a valid UTF-8 character at {@code i} (1 for ASCII), or -1. */
  private int validUtf8Length(int i) {
    int b0 = in[i] & 0xFF, n, lo = 0x80, hi = 0xBF;
    if (b0 < 0x80) return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF) n = 2;
    else if (b0 >= 0xE0 && b0 <= 0xEF) {
      n = 3;
      if (b0 == 0xE0) lo = 0xA0; // overlong below
      else if (b0 == 0xED) hi = 0x9F; // surrogates above
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      n = 4;
      if (b0 == 0xF0) lo = 0x90; // overlong below
      else if (b0 == 0xF4) hi = 0x8F; // past U+10FFFF above
    } else {
      return -1;
    }
    if (i + n > end) return -1;
    for (int k = 1; k < n; k++) {
      int b = in[i + k] & 0xFF;
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return -1;
    }
    return n;
  }

  /** The code point of the valid {@code n}-byte UTF-8 character at {@code i}. */
  private int codePoint(int i, int n) {
    int cp = in[i] & (0xFF >> (n + 1));
    for (int k = 1; k < n; k++) cp = cp << 6 | (in[i + k] & 0x3F);
    return cp;
  }

  // ---- numbers ------------------------------------------------------------------------------------------

  /** {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}; {@code pos} is at its first char. */
  private JsonValue number() {
    int s = pos, i = pos;
    boolean negative = in[i] == '-';
    if (negative) i++;
    if (i >= end || !isDigit(in[i])) {
      int c = i < end ? in[i] : -1;
      throw error(i, "expected a digit after '-', found " + found(i) + (c == 'I' ? " (Infinity is not a JSON number)" : ""));
    }
    long value = 0;
    int digits = 0;
    if (in[i] == '0') {
      i++;
      digits = 1;
      if (i < end && isDigit(in[i])) throw error(s, "a number starts with 0 and more digits; leading zeros are not JSON");
    } else {
      for (; i < end && isDigit(in[i]); i++, digits++) if (digits < 18) value = value * 10 + (in[i] - '0');
    }
    boolean integral = true;
    if (i < end && in[i] == '.') {
      integral = false;
      i++;
      if (i >= end || !isDigit(in[i])) throw error(i, "expected a digit after the decimal point, found " + found(i));
      while (i < end && isDigit(in[i])) i++;
    }
    if (i < end && (in[i] == 'e' || in[i] == 'E')) {
      integral = false;
      i++;
      if (i < end && (in[i] == '+' || in[i] == '-')) i++;
      if (i >= end || !isDigit(in[i])) throw error(i, "expected a digit in the exponent, found " + found(i));
      while (i < end && isDigit(in[i])) i++;
    }
    if (i - s > MAX_NUMBER_LENGTH) {
      throw error(s, "a number of " + (i - s) + " characters; at most " + MAX_NUMBER_LENGTH + " are read");
    }
    pos = i;
    if (integral && digits <= 18) return JsonNumber.ofLong(negative ? -value : value, negative && value == 0 ? "-0" : null);
    String text = new String(in, s, i - s, StandardCharsets.ISO_8859_1);
    return integral ? JsonNumber.ofInteger(text) : JsonNumber.ofFloating(text);
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  // ---- whitespace, positions, messages ------------------------------------------------------------------

  private void skipWhitespace() {
    while (pos < end) {
      byte c = in[pos];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
      pos++;
    }
  }

  /** Line and column (both from 1; columns in code points) of byte {@code at}; computed only for an error. */
  private int[] position(int at) {
    int line = 1, lineStart = textStart;
    for (int k = textStart; k < at && k < end; k++) {
      byte c = in[k];
      if (c == '\n' || (c == '\r' && (k + 1 >= end || in[k + 1] != '\n'))) {
        line++;
        lineStart = k + 1;
      }
    }
    int column = 1;
    for (int k = lineStart; k < at && k < end; k++) if ((in[k] & 0xC0) != 0x80) column++;
    return new int[] {line, column};
  }

  private JsonSyntaxException error(int at, String problem) {
    int[] p = position(at);
    return new JsonSyntaxException(p[0], p[1], problem);
  }

  /** What is at byte {@code i}, for a message: 'x', a control character's code, a non-ASCII character, or bytes. */
  private String found(int i) {
    if (i >= end) return "end of input";
    int c = in[i] & 0xFF;
    if (c < 0x20 || c == 0x7F) return String.format("U+%04X", c);
    if (c < 0x80) return "'" + (char) c + "'";
    int n = validUtf8Length(i);
    if (n < 0) return String.format("byte 0x%02X, which is not UTF-8", c);
    int cp = codePoint(i, n);
    return "'" + Character.toString(cp) + "' (" + String.format("U+%04X", cp) + ")";
  }

  /** Why a character JSON lacks is there, for the common cases. */
  private static String hint(int c) {
    return switch (c) {
      case '\'' -> " (JSON strings take double quotes)";
      case '/', '#' -> " (JSON has no comments)";
      case 'N', 'I' -> " (NaN and Infinity are not JSON numbers)";
      case '+', '.' -> " (a JSON number starts with '-' or a digit)";
      default -> "";
    };
  }

  private static String shorten(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }
}
