package dev.embed4j.model.tokenizer;

import dev.embed4j.model.io.json.JsonReader;
import dev.embed4j.model.io.json.JsonSyntaxException;
import dev.embed4j.model.io.json.JsonValue;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face {@code tokenizer.json} format of a {@link WordPieceTokenizer}, read and written: the
 * model (WordPiece vocabulary, unknown token, prefix), the normaliser, the pre-tokeniser, the added tokens,
 * the post-processor (TemplateProcessing or BertProcessing) and the truncation. What is read is kept and
 * written back unchanged; a tokenizer made from a {@code vocab.txt} gets a file written for it
 * ({@link TokenizerJsonWriter}). Errors name the file and the key, and say what would be right
 * ({@link TokenizerFormatException}). Read with {@code io.json.JsonReader}, not Jackson's databind, whose
 * initialisation alone would cost a fresh JVM's model load 210-270 ms.
 */
final class TokenizerJson {
  private TokenizerJson() {}

  static WordPieceTokenizer read(Path file) throws IOException {
    return read(readJson(file), file.toString());
  }

  /** From a parsed tokenizer.json; {@code where} names it in errors. */
  static WordPieceTokenizer read(JsonValue root, String where) {
    JsonValue m = root.path("model");
    String type = m.path("type").asText("");
    if (!type.equals("WordPiece")) {
      throw new TokenizerFormatException(where + ": model type '" + type + "' is not supported; only WordPiece (BERT) is");
    }
    JsonValue v = m.path("vocab");
    if (!v.isObject() || v.isEmpty()) throw new TokenizerFormatException(where + ": model.vocab is missing or empty");
    Map<String, Integer> vocab = new HashMap<>(v.size() * 2);
    v.properties().forEach(e -> vocab.put(e.getKey(), tokenId(e.getValue(), where, "model.vocab['" + e.getKey() + "']")));
    String unk = m.path("unk_token").asText("[UNK]");
    if (!vocab.containsKey(unk)) {
      throw new TokenizerFormatException(where + ": the vocabulary has no unknown token '" + unk + "' (model.unk_token)");
    }
    WordPiece wp = new WordPiece(vocab, unk, m.path("continuing_subword_prefix").asText("##"),
        m.path("max_input_chars_per_word").asInt(100));

    BertNormalizer normalizer = null;
    JsonValue n = root.path("normalizer");
    if (!n.isNull() && !n.isMissingNode()) {
      String nt = n.path("type").asText("");
      if (!nt.equals("BertNormalizer")) {
        throw new TokenizerFormatException(where + ": normalizer '" + nt + "' is not supported; only BertNormalizer is");
      }
      JsonValue sa = n.path("strip_accents");
      normalizer = new BertNormalizer(n.path("clean_text").asBoolean(true), n.path("handle_chinese_chars").asBoolean(true),
          sa.isBoolean() ? sa.asBoolean() : null, n.path("lowercase").asBoolean(true));
    }
    JsonValue p = root.path("pre_tokenizer");
    if (!p.isNull() && !p.isMissingNode() && !p.path("type").asText("").equals("BertPreTokenizer")) {
      throw new TokenizerFormatException(where + ": pre_tokenizer '" + p.path("type").asText("")
          + "' is not supported; only BertPreTokenizer is");
    }

    List<WordPieceTokenizer.AddedToken> added = new ArrayList<>();
    for (JsonValue t : root.path("added_tokens")) {
      if (t.path("normalized").asBoolean(false)) continue; // matched after normalisation: WordPiece finds them anyway
      added.add(new WordPieceTokenizer.AddedToken(t.path("content").asText(), tokenId(t.path("id"), where, "added_tokens '" + t.path("content").asText() + "' id"),
          t.path("special").asBoolean(false)));
    }

    PostProcessorTemplate template = readTemplate(root.path("post_processor"), where);
    Truncation truncation = null;
    JsonValue tr = root.path("truncation");
    if (tr.isObject()) {
      Truncation.Strategy s = switch (tr.path("strategy").asText("LongestFirst")) {
        case "OnlyFirst" -> Truncation.Strategy.ONLY_FIRST;
        case "OnlySecond" -> Truncation.Strategy.ONLY_SECOND;
        default -> Truncation.Strategy.LONGEST_FIRST;
      };
      truncation = new Truncation(tr.path("max_length").asInt(512), s, tr.path("direction").asText("Right").equals("Left"));
    }
    int padId = root.path("padding").path("pad_id").asInt(vocab.getOrDefault("[PAD]", 0));
    return new WordPieceTokenizer(normalizer, wp, added, template, truncation, padId, root);
  }

  private static PostProcessorTemplate readTemplate(JsonValue pp, String where) {
    if (pp.isNull() || pp.isMissingNode()) return PostProcessorTemplate.none();
    String type = pp.path("type").asText("");
    switch (type) {
      case "BertProcessing" -> {
        JsonValue cls = pp.path("cls"), sep = pp.path("sep");
        for (var e : Map.of("cls", cls, "sep", sep).entrySet()) {
          JsonValue t = e.getValue();
          if (!t.isArray() || t.size() != 2 || !t.get(0).isTextual()) {
            throw new TokenizerFormatException(where + ": post_processor (BertProcessing) '" + e.getKey()
                + "' must be [token, id], e.g. [\"[CLS]\", 101], got " + (t.isMissingNode() ? "nothing" : t.toString()));
          }
        }
        return PostProcessorTemplate.bert(cls.get(0).asText(), tokenId(cls.get(1), where, "post_processor.cls id"),
            sep.get(0).asText(), tokenId(sep.get(1), where, "post_processor.sep id"));
      }
      case "TemplateProcessing" -> {
        Map<String, int[]> specials = new HashMap<>();
        pp.path("special_tokens").properties().forEach(e -> {
          JsonValue ids = e.getValue().path("ids");
          int[] a = new int[ids.size()];
          for (int i = 0; i < a.length; i++) a[i] = tokenId(ids.get(i), where, "post_processor.special_tokens['" + e.getKey() + "'].ids");
          specials.put(e.getKey(), a);
        });
        return new PostProcessorTemplate(readPieces(pp.path("single"), specials, where),
            readPieces(pp.path("pair"), specials, where));
      }
      default -> throw new TokenizerFormatException(where + ": post_processor '" + type
          + "' is not supported; TemplateProcessing and BertProcessing are");
    }
  }

  private static List<PostProcessorTemplate.Piece> readPieces(JsonValue arr, Map<String, int[]> specials, String where) {
    List<PostProcessorTemplate.Piece> out = new ArrayList<>();
    for (JsonValue e : arr) {
      if (e.has("SpecialToken")) {
        String id = e.get("SpecialToken").path("id").asText();
        int[] ids = specials.get(id);
        if (ids == null) throw new TokenizerFormatException(where + ": template token '" + id + "' is not in special_tokens");
        out.add(new PostProcessorTemplate.Piece(id, ids, '\0', e.get("SpecialToken").path("type_id").asInt()));
      } else if (e.has("Sequence")) {
        String id = e.get("Sequence").path("id").asText("A");
        out.add(PostProcessorTemplate.Piece.sequence(id.equals("B") ? 'B' : 'A', e.get("Sequence").path("type_id").asInt()));
      } else {
        throw new TokenizerFormatException(where + ": unknown template piece " + e);
      }
    }
    return List.copyOf(out);
  }

  /** The largest token id accepted: ids index an array, and no BERT vocabulary comes near 16.7 million entries. */
  static final int MAX_TOKEN_ID = (1 << 24) - 1;

  /** A token id as tokenizer.json writes it: a JSON integer in [0, {@value #MAX_TOKEN_ID}]. */
  static int tokenId(JsonValue n, String where, String key) {
    if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0 || n.intValue() > MAX_TOKEN_ID) {
      throw new TokenizerFormatException(where + ": " + key + " must be a token id, an integer from 0 to " + MAX_TOKEN_ID
          + ", got " + (n == null || n.isMissingNode() ? "nothing" : n.toString()));
    }
    return n.intValue();
  }

  static JsonValue readJson(Path file) throws IOException {
    try {
      return JsonReader.read(file);
    } catch (JsonSyntaxException e) {
      throw new TokenizerFormatException(file + ": not valid JSON: " + e.getMessage(), e);
    }
  }
}
