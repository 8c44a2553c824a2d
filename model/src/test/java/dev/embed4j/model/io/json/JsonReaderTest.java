package dev.embed4j.model.io.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link JsonReader} against a conformance table in the manner of JSONTestSuite: {@code y_} texts it must
 * accept (and read as Jackson's readTree does), {@code n_} texts it must refuse with the line, the column
 * and what was wrong.
 */
class JsonReaderTest {
  private static final ObjectMapper JACKSON = new ObjectMapper();

  /** Accepted texts; each must read as Jackson reads it. */
  static final List<String> Y = List.of(
      "[]", "{}", " \t\n\r[ ]\n", "0", "-0", "-0.0", "1", "-1", "0.5", "1e5", "1E-12", "1.5E+3", "-2.5e-3",
      "2147483648", "-9223372036854775808", "9223372036854775808", "123456789012345678901234567890", "1e400",
      "\"\"", "\"\\u0000\"", "\"\\uD834\\uDD1E\"", "\"\\u00e9\\u00E9\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
      "\"é 漢 😀 \u007F\"", "true", "false", "null", "{\"a\":1,\"b\":2,\"a\":3}", "[[[[]]],{}]", "{\"\":0}",
      "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}", "[1,2.0,\"x\",true,false,null,[],{}]", "\"a\\\"b\"",
      "[" + "1,".repeat(999) + "1]", "\"" + "x".repeat(100_000) + "\"", "1" + "0".repeat(999));

  @Test
  void y_acceptedTextsReadAsJacksonReadsThem() throws Exception {
    for (String text : Y) {
      JsonValue ours = JsonReader.read(text);
      JsonNode theirs = JACKSON.readTree(text);
      JsonReaderParityTest.assertSameTree(theirs, ours, shorten(text));
    }
  }

  @Test
  void y_loneSurrogateEscapesAreKeptAsJacksonKeepsThem() throws Exception {
    for (String text : List.of("\"\\uD800\"", "\"\\uDC00x\"", "\"\\uDBFF\\u0041\"")) {
      assertEquals(JACKSON.readTree(text).textValue(), JsonReader.read(text).textValue(), text);
    }
    assertEquals("\uD800", JsonReader.read("\"\\uD800\"").textValue());
    assertEquals("𝄞", JsonReader.read("\"\\uD834\\uDD1E\"").textValue());
  }

  @Test
  void y_aUtf8ByteOrderMarkIsSkippedAndCountsNoColumn() {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '[', '1', ']'};
    assertEquals(1, JsonReader.read(bom).get(0).asInt());
    byte[] bad = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '[', 'x', ']'};
    assertEquals(2, assertThrows(JsonSyntaxException.class, () -> JsonReader.read(bad)).column());
  }

  @Test
  void y_nestingToTheLimitIsRead() {
    JsonValue v = JsonReader.read("[".repeat(JsonReader.MAX_DEPTH) + "]".repeat(JsonReader.MAX_DEPTH));
    int depth = 0;
    for (; v.isArray(); v = v.path(0)) depth++;
    assertEquals(JsonReader.MAX_DEPTH, depth);
    assertEquals(JsonReader.MAX_DEPTH, depthOf(JsonReader.read("{\"a\":".repeat(JsonReader.MAX_DEPTH - 1) + "{}" + "}".repeat(JsonReader.MAX_DEPTH - 1))));
  }

  private static int depthOf(JsonValue v) {
    int d = 0;
    for (; v.isObject(); v = v.path("a")) d++;
    return d;
  }

  /** A refused text: where the reader must say it failed, and a phrase its message must contain. */
  record N(String name, byte[] text, int line, int column, String says) {
    N(String name, String text, int line, int column, String says) {
      this(name, text.getBytes(StandardCharsets.UTF_8), line, column, says);
    }
  }

  static byte[] hex(String h) {
    return HexFormat.of().parseHex(h);
  }

  static final List<N> NO = List.of(
      new N("empty", "", 1, 1, "found end of input (the text is empty)"),
      new N("only whitespace", " \n ", 2, 2, "expected a JSON value, found end of input"),
      new N("leading zero", "[01]", 1, 2, "leading zeros are not JSON"),
      new N("negative leading zero", "-012", 1, 1, "leading zeros"),
      new N("trailing comma in an array", "[1,]", 1, 4, "a trailing comma is not JSON"),
      new N("trailing comma in an object", "{\"a\":1,}", 1, 8, "a trailing comma is not JSON"),
      new N("unescaped tab", "[\"a\tb\"]", 1, 4, "control character U+0009 in a string; JSON needs it escaped, as \\t"),
      new N("unescaped newline", "[\"a\nb\"]", 1, 4, "control character U+000A"),
      new N("unescaped NUL", "[\"\u0000\"]", 1, 3, "U+0000"),
      new N("bad escape", "[\"\\x\"]", 1, 3, "invalid escape \\x"),
      new N("escaped single quote", "[\"\\'\"]", 1, 3, "invalid escape \\'"),
      new N("short unicode escape", "[\"\\u12G4\"]", 1, 3, "expected 4 hex digits after \\u, found 'G'"),
      new N("unicode escape cut by the end", "\"\\u12", 1, 2, "4 hex digits"),
      new N("NaN", "[NaN]", 1, 2, "NaN and Infinity are not JSON numbers"),
      new N("Infinity", "{\"a\": Infinity}", 1, 7, "NaN and Infinity"),
      new N("minus Infinity", "[-Infinity]", 1, 3, "Infinity is not a JSON number"),
      new N("line comment", "[1] // c", 1, 5, "expected the end of the text after the JSON value, found '/'"),
      new N("block comment", "/* c */ [1]", 1, 1, "JSON has no comments"),
      new N("single-quoted key", "{'a': 1}", 1, 2, "JSON strings take double quotes"),
      new N("single-quoted string", "['a']", 1, 2, "double quotes"),
      new N("unquoted key", "{a: 1}", 1, 2, "expected a string key or '}' in an object, found 'a'"),
      new N("trailing garbage", "{\"a\":1} x", 1, 9, "expected the end of the text after the JSON value, found 'x'"),
      new N("second value", "[1] [2]", 1, 5, "end of the text"),
      new N("extra close", "[1]]", 1, 4, "found ']'"),
      new N("missing colon", "{\"a\" 1}", 1, 6, "expected ':' after the key \"a\", found '1'"),
      new N("missing comma in an object", "{\"a\":1 \"b\":2}", 1, 8, "expected ',' or '}' after an object member, found '\"'"),
      new N("missing comma in an array", "[1 2]", 1, 4, "expected ',' or ']' after an array element, found '2'"),
      new N("unclosed array", "[1,2", 1, 5, "expected ',' or ']' after an array element, found end of input"),
      new N("unclosed string", "[\"abc", 1, 6, "expected '\"' to close the string that starts at line 1, column 2"),
      new N("fraction without digits", "[1.]", 1, 4, "expected a digit after the decimal point, found ']'"),
      new N("fraction without integer", "[.5]", 1, 2, "a JSON number starts with '-' or a digit"),
      new N("exponent without digits", "[1e]", 1, 4, "expected a digit in the exponent"),
      new N("exponent sign only", "1e+", 1, 4, "expected a digit in the exponent, found end of input"),
      new N("lone minus", "[-]", 1, 3, "expected a digit after '-', found ']'"),
      new N("plus sign", "[+1]", 1, 2, "a JSON number starts with '-' or a digit"),
      new N("hex number", "[0x10]", 1, 3, "found 'x'"),
      new N("cut literal", "tru", 1, 1, "did you mean true?"),
      new N("capital literal", "[True]", 1, 2, "expected a JSON value, found 'T'"),
      new N("non-breaking space is not whitespace", "\u00A0[]", 1, 1, "(U+00A0)"),
      new N("error on line 3", "{\n  \"a\": 1,\n  \"b\": x\n}", 3, 8, "expected a JSON value, found 'x'"),
      new N("CRLF and CR count as one line end each", "[\r\n1,\r2,\r\nx]", 4, 1, "found 'x'"),
      new N("columns count code points", "[\"é😀\", x]", 1, 8, "found 'x'"),
      new N("overlong UTF-8", hex("5b22c0af225d"), 1, 3, "bytes that are not UTF-8 (0xC0 0xAF 0x22 0x5D)"),
      new N("UTF-8 encoded surrogate", hex("5b22eda080225d"), 1, 3, "not UTF-8 (0xED 0xA0 0x80 0x22)"),
      new N("past U+10FFFF", hex("22f4908080"), 1, 2, "not UTF-8"),
      new N("Latin-1 byte", hex("5b22e9225d"), 1, 3, "not UTF-8 (0xE9 0x22 0x5D)"),
      new N("UTF-8 cut by the end", hex("22e282"), 1, 2, "not UTF-8"),
      new N("non-UTF-8 byte outside a string", hex("5bff5d"), 1, 2, "byte 0xFF, which is not UTF-8"),
      new N("UTF-16LE", hex("7b007d00"), 1, 1, "JSON files must be UTF-8"),
      new N("UTF-16BE with a byte order mark", hex("feff007b007d"), 1, 1, "UTF-16 byte order mark"),
      new N("UTF-32LE", hex("7b0000007d000000"), 1, 1, "zero bytes between the characters"),
      new N("deeper than the limit", "[".repeat(JsonReader.MAX_DEPTH + 1) + "]".repeat(JsonReader.MAX_DEPTH + 1), 1,
          JsonReader.MAX_DEPTH + 1, "nest deeper than 1000 levels"),
      new N("empty object deeper than the limit", "[".repeat(JsonReader.MAX_DEPTH) + "{}" + "]".repeat(JsonReader.MAX_DEPTH),
          1, JsonReader.MAX_DEPTH + 1, "deeper than 1000"),
      new N("number too long", "[" + "1".repeat(JsonReader.MAX_NUMBER_LENGTH + 1) + "]", 1, 2, "a number of 1001 characters; at most 1000"),
      new N("fraction too long", "0." + "1".repeat(JsonReader.MAX_NUMBER_LENGTH), 1, 1, "at most 1000"));

  @Test
  void n_refusedTextsNameTheLineTheColumnAndTheProblem() {
    for (N n : NO) {
      JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> JsonReader.read(n.text()), n.name());
      String where = "line " + n.line() + ", column " + n.column() + ": ";
      assertTrue(e.getMessage().startsWith(where), n.name() + ": '" + e.getMessage() + "' does not start with '" + where + "'");
      assertTrue(e.getMessage().contains(n.says()), n.name() + ": '" + e.getMessage() + "' does not say '" + n.says() + "'");
      assertEquals(n.line(), e.line(), n.name());
      assertEquals(n.column(), e.column(), n.name());
    }
  }

  @Test
  void n_aStringLongerThanTheLimitIsRefused() {
    byte[] text = new byte[JsonReader.MAX_STRING_LENGTH + 3];
    java.util.Arrays.fill(text, (byte) 'a');
    text[0] = '"';
    text[text.length - 1] = '"';
    JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> JsonReader.read(text));
    assertTrue(e.getMessage().startsWith("line 1, column 1: a string of 20000001 chars; at most 20000000"), e.getMessage());
    byte[] escaped = java.util.Arrays.copyOf(text, text.length + 1); // one more byte: \n is two bytes and one char
    escaped[1] = '\\';
    escaped[2] = 'n';
    escaped[escaped.length - 2] = 'a';
    escaped[escaped.length - 1] = '"';
    assertTrue(assertThrows(JsonSyntaxException.class, () -> JsonReader.read(escaped)).getMessage()
        .contains("a string of 20000001 chars; at most 20000000"));
  }

  @Test
  void deepNestingIsRefusedWithoutAStackOverflow() {
    // far past the limit: the reader follows nesting with its own stack, so this is a syntax error, not an Error
    String deep = "[".repeat(1_000_000);
    assertThrows(JsonSyntaxException.class, () -> JsonReader.read(deep));
  }

  @Test
  void theTreeIsImmutable() {
    JsonValue v = JsonReader.read("{\"a\":[1,2]}");
    assertThrows(UnsupportedOperationException.class, () -> v.properties().clear());
    assertThrows(UnsupportedOperationException.class, () -> {
      var it = v.path("a").iterator();
      it.next();
      it.remove();
    });
  }

  @Test
  void numbersKeepTheFileText() {
    JsonValue v = JsonReader.read("[-0, 1.50, 1E5, 123456789012345678901234567890, 42]");
    assertEquals(List.of("-0", "1.50", "1E5", "123456789012345678901234567890", "42"),
        List.of(v.get(0).numberText(), v.get(1).numberText(), v.get(2).numberText(), v.get(3).numberText(), v.get(4).numberText()));
    assertEquals("[0,1.5,100000.0,123456789012345678901234567890,42]", v.toString()); // Jackson's rendering
  }

  private static String shorten(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
