package dev.embed4j.model.io.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.embed4j.model.DefaultModel;
import dev.embed4j.model.TinyModels;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JsonReader}'s trees against Jackson's {@code readTree}, which the model's readers used before: the
 * same tree for the real all-MiniLM-L6-v2 files and every JSON fixture of the tests, the same answers from
 * the {@code JsonNode} methods the readers call, and a tokenizer.json written back byte for byte as before.
 */
class JsonReaderParityTest {
  private static final ObjectMapper JACKSON = new ObjectMapper();
  private static final ObjectMapper INDENTED = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  @TempDir Path dir;

  /** Same kinds, keys in the same order, equal strings, integers equal exactly, other numbers equal bit for bit. */
  static void assertSameTree(JsonNode j, JsonValue v, String where) {
    String kinds = j.getNodeType() + " vs " + v.getClass().getSimpleName();
    if (j.isObject()) {
      if (!v.isObject()) fail(where + ": " + kinds);
      assertEquals(iterableToList(j.fieldNames()), v.properties().stream().map(Map.Entry::getKey).toList(), where + ": keys");
      for (var e : v.properties()) assertSameTree(j.get(e.getKey()), e.getValue(), where + "." + e.getKey());
    } else if (j.isArray()) {
      if (!v.isArray() || j.size() != v.size()) fail(where + ": " + kinds + ", sizes " + j.size() + " and " + v.size());
      for (int i = 0; i < j.size(); i++) assertSameTree(j.get(i), v.get(i), where + "[" + i + "]");
    } else if (j.isTextual()) {
      assertTrue(v.isTextual(), where + ": " + kinds);
      assertEquals(j.textValue(), v.textValue(), where);
    } else if (j.isNumber()) {
      assertTrue(v.isNumber(), where + ": " + kinds);
      assertEquals(j.isIntegralNumber(), v.isIntegralNumber(), where + ": integral");
      if (j.isIntegralNumber()) assertEquals(j.bigIntegerValue(), ((JsonValue.JsonNumber) v).bigIntegerValue(), where);
      else assertEquals(Double.doubleToRawLongBits(j.doubleValue()), Double.doubleToRawLongBits(v.doubleValue()), where);
    } else if (j.isBoolean()) {
      assertTrue(v.isBoolean() && j.booleanValue() == v.asBoolean(), where + ": " + kinds);
    } else if (j.isNull()) {
      assertTrue(v.isNull(), where + ": " + kinds);
    } else {
      fail(where + ": Jackson gave " + j.getNodeType());
    }
  }

  private static List<String> iterableToList(Iterator<String> it) {
    List<String> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = JsonReaderParityTest.class.getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }

  /** The safetensors header's JSON bytes. */
  private static byte[] header(Path safetensors) throws IOException {
    byte[] all = Files.readAllBytes(safetensors);
    int n = (int) ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    return java.util.Arrays.copyOfRange(all, 8, 8 + n);
  }

  @Test
  void theRealAllMiniLmFilesReadAsJacksonReadsThem() throws IOException {
    byte[] tokenizer = resource("/all-minilm-l6-v2-tokenizer.json");
    assertSameTree(JACKSON.readTree(tokenizer), JsonReader.read(tokenizer), "tokenizer.json");
    if (System.getProperty("embed4j.cache") == null) {
      System.setProperty("embed4j.cache", Path.of("target", "embed4j-cache").toAbsolutePath().toString());
    }
    Path folder = DefaultModel.folder(); // the imported default model: every file ModelFolder.load reads
    int files = 0;
    try (var walk = Files.walk(folder)) {
      for (Path p : walk.filter(p -> p.toString().endsWith(".json")).toList()) {
        byte[] b = Files.readAllBytes(p);
        assertSameTree(JACKSON.readTree(b), JsonReader.read(b), folder.relativize(p).toString());
        files++;
      }
    }
    assertTrue(files >= 7, files + " JSON files in " + folder);
    byte[] h = header(folder.resolve("model.safetensors"));
    assertSameTree(JACKSON.readTree(h), JsonReader.read(h), "model.safetensors header");
  }

  @Test
  void everyJsonFixtureOfTheTestsReadsAsJacksonReadsItOrIsRefused() throws IOException {
    int read = 0, refused = 0;
    try (var walk = Files.walk(Path.of("src/test/resources"))) {
      for (Path p : walk.filter(p -> p.toString().endsWith(".json") && Files.isRegularFile(p)).toList()) {
        byte[] b = Files.readAllBytes(p);
        JsonNode theirs;
        try {
          theirs = JACKSON.readTree(b);
        } catch (IOException e) { // Jackson refuses it (the UTF-32 regression inputs): so must we
          assertThrows(JsonSyntaxException.class, () -> JsonReader.read(b), p.toString());
          refused++;
          continue;
        }
        if (b.length >= 2 && ((b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xFE || (b[0] & 0xFF) == 0xFE && (b[1] & 0xFF) == 0xFF)) {
          // UTF-16, which Jackson detects and RFC 8259 does not allow: refused by design, saying so
          String m = assertThrows(JsonSyntaxException.class, () -> JsonReader.read(b), p.toString()).getMessage();
          assertTrue(m.contains("must be UTF-8"), m);
          refused++;
          continue;
        }
        assertSameTree(theirs, JsonReader.read(b), p.toString());
        read++;
      }
    }
    assertTrue(read >= 8 && refused >= 5, read + " read, " + refused + " refused");
  }

  /** Texts whose values the readers ask about, scalars first. */
  static final List<String> VALUES = List.of("0", "-0", "1", "-1", "7", "2147483647", "2147483648", "-2147483649",
      "9223372036854775807", "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890", "1.5",
      "-1.5", "-0.0", "0.0", "1e5", "1E-12", "2.5e9", "3e19", "1e400", "32.7", "1.0", "true", "false", "null",
      "\"\"", "\"12\"", "\" 12 \"", "\"+5\"", "\"-5\"", "\"+-5\"", "\"1.9\"", "\"-1.9e3\"", "\"abc\"", "\"true\"", "\" false\"",
      "\"False\"", "\"1e3\"", "\"0x10\"", "\"NaN\"", "\"+\"", "\"-\"", "\"99999999999\"", "\"a\\nb\\u0001\\\"\\\\/é\"",
      "[]", "[1,2]", "{}", "{\"a\":1,\"b\":[true,null,\"x\"]}", "[1.5e300,{\"k\":{}}]");

  @Test
  void theJsonNodeMethodsTheReadersCallAnswerAsJacksonsDo() throws IOException {
    for (String text : VALUES) {
      JsonNode j = JACKSON.readTree(text);
      JsonValue v = JsonReader.read(text);
      check(j, v, text);
      check(j.path("absent"), v.path("absent"), text + ".path(absent)");
      check(j.path(5), v.path(5), text + ".path(5)");
      assertEquals(j.get("a") == null, v.get("a") == null, text + ".get(a)");
      assertEquals(j.has("a"), v.has("a"), text + ".has(a)");
      assertEquals(j.get(0) == null, v.get(0) == null, text + ".get(0)");
    }
  }

  private static void check(JsonNode j, JsonValue v, String t) {
    assertEquals(j.isObject(), v.isObject(), t + " isObject");
    assertEquals(j.isArray(), v.isArray(), t + " isArray");
    assertEquals(j.isTextual(), v.isTextual(), t + " isTextual");
    assertEquals(j.isNumber(), v.isNumber(), t + " isNumber");
    assertEquals(j.isIntegralNumber(), v.isIntegralNumber(), t + " isIntegralNumber");
    assertEquals(j.isFloatingPointNumber(), v.isFloatingPointNumber(), t + " isFloatingPointNumber");
    assertEquals(j.isBoolean(), v.isBoolean(), t + " isBoolean");
    assertEquals(j.isNull(), v.isNull(), t + " isNull");
    assertEquals(j.isMissingNode(), v.isMissingNode(), t + " isMissingNode");
    assertEquals(j.size(), v.size(), t + " size");
    assertEquals(j.isEmpty(), v.isEmpty(), t + " isEmpty");
    assertEquals(j.asText(), v.asText(), t + " asText()");
    assertEquals(j.asText("dflt"), v.asText("dflt"), t + " asText(dflt)");
    assertEquals(j.asText(null), v.asText(null), t + " asText(null)");
    assertEquals(j.textValue(), v.textValue(), t + " textValue");
    assertEquals(j.asInt(), v.asInt(), t + " asInt()");
    assertEquals(j.asInt(7), v.asInt(7), t + " asInt(7)");
    assertEquals(j.asLong(), v.asLong(), t + " asLong()");
    assertEquals(j.asLong(7), v.asLong(7), t + " asLong(7)");
    assertEquals(j.asDouble(), v.asDouble(), t + " asDouble()");
    assertEquals(j.asDouble(7.5), v.asDouble(7.5), t + " asDouble(7.5)");
    assertEquals(j.asBoolean(), v.asBoolean(), t + " asBoolean()");
    assertEquals(j.asBoolean(true), v.asBoolean(true), t + " asBoolean(true)");
    assertEquals(j.intValue(), v.intValue(), t + " intValue");
    assertEquals(j.longValue(), v.longValue(), t + " longValue");
    assertEquals(j.doubleValue(), v.doubleValue(), t + " doubleValue");
    assertEquals(j.canConvertToInt(), v.canConvertToInt(), t + " canConvertToInt");
    assertEquals(j.canConvertToLong(), v.canConvertToLong(), t + " canConvertToLong");
    assertEquals(j.toString(), v.toString(), t + " toString");
    List<String> theirs = new ArrayList<>(), ours = new ArrayList<>();
    j.forEach(e -> theirs.add(e.toString()));
    v.forEach(e -> ours.add(e.toString()));
    assertEquals(theirs, ours, t + " iteration");
  }

  @Test
  void repeatedKeysKeepTheFirstPlaceAndTheLastValueAsJacksonDoes() throws IOException {
    String text = "{\"a\":1,\"b\":2,\"a\":{\"c\":3},\"d\":4}";
    assertSameTree(JACKSON.readTree(text), JsonReader.read(text), text);
    assertEquals("{\"a\":{\"c\":3},\"b\":2,\"d\":4}", JsonReader.read(text).toString());
  }

  @Test
  void aTreeConvertedToJacksonsIsTheOneJacksonReadsAndBack() throws IOException {
    for (String text : VALUES) {
      JsonNode j = JACKSON.readTree(text);
      assertEquals(j, JacksonTrees.toJackson(JsonReader.read(text)), text);
      assertEquals(JsonReader.read(text), JacksonTrees.fromJackson(j), text);
    }
  }

  /** A WordPiece tokenizer.json with values of every kind in keys the tokenizer does not read, kept on save. */
  static final String ODD_TOKENIZER = """
      {"version":"1.0","truncation":null,"padding":null,
       "added_tokens":[{"id":0,"content":"[PAD]","special":true},{"id":1,"content":"[UNK]","special":true}],
       "normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true},
       "pre_tokenizer":{"type":"BertPreTokenizer"},"post_processor":null,
       "odd":{"floats":[1e-12,1.50,-0.0,2E+3,1e400,0.1],"ints":[-0,2147483648,123456789012345678901234567890],
              "text":"tab\\t quote\\" slash\\/ \\u00e9 \\uD834\\uDD1E \\u0001 é漢😀","dup":1,"dup":[true,false,null],
              "deep":[[[[{"x":{}}]]]],"empty":{"a":[],"b":{}}},
       "model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,
                "vocab":{"[PAD]":0,"[UNK]":1,"hello":2,"\\u0077orld":3,"##s":4}}}
      """;

  @Test
  void aTokenizerJsonIsWrittenBackByteForByteAsWhenJacksonReadIt() throws IOException {
    Path odd = dir.resolve("odd-tokenizer.json");
    Files.writeString(odd, ODD_TOKENIZER, StandardCharsets.UTF_8);
    Path minilm = dir.resolve("minilm-tokenizer.json");
    Files.write(minilm, resource("/all-minilm-l6-v2-tokenizer.json"));
    for (Path file : List.of(odd, minilm)) {
      String before = INDENTED.writeValueAsString(JACKSON.readTree(file.toFile())); // what saving wrote before
      WordPieceTokenizer tok = WordPieceTokenizer.fromTokenizerJson(file);
      assertEquals(before, INDENTED.writeValueAsString(tok.toTokenizerJson()), file.toString());
      // the public API that takes Jackson's tree keeps it too
      WordPieceTokenizer fromTree = WordPieceTokenizer.fromTokenizerJson(JACKSON.readTree(file.toFile()), file.toString());
      assertEquals(before, INDENTED.writeValueAsString(fromTree.toTokenizerJson()), file + " from a JsonNode");
      assertArrayEquals(tok.tokenize("hello worlds"), fromTree.tokenize("hello worlds"));
    }
    assertEquals(List.of("hello", "world", "##s"), WordPieceTokenizer.fromTokenizerJson(odd).tokens("Hello worlds"));

    // and through a saved model folder, file bytes and all
    Path m = dir.resolve("m");
    TinyModels.encoder(Pooling.mean(), true, 3).save(m);
    assertEquals(INDENTED.writeValueAsString(JACKSON.readTree(minilm.toFile())), Files.readString(m.resolve("tokenizer.json")));
  }
}
