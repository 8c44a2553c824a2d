package dev.embed4j.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face {@code tokenizer.json} format of a {@link WordPieceTokenizer}, read and written: the
 * model (WordPiece vocabulary, unknown token, prefix), the normaliser, the pre-tokeniser, the added tokens,
 * the post-processor (TemplateProcessing or BertProcessing) and the truncation. What is read is kept and
 * written back unchanged; a tokenizer made from a {@code vocab.txt} gets a file written for it. Errors name
 * the file and the key, and say what would be right ({@link TokenizerFormatException}).
 */
final class TokenizerJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TokenizerJson() {}

  static WordPieceTokenizer read(Path file) throws IOException {
    return read(readJson(file), file.toString());
  }

  /** From a parsed tokenizer.json; {@code where} names it in errors. */
  static WordPieceTokenizer read(JsonNode root, String where) {
    JsonNode m = root.path("model");
    String type = m.path("type").asText("");
    if (!type.equals("WordPiece")) {
      throw new TokenizerFormatException(where + ": model type '" + type + "' is not supported; only WordPiece (BERT) is");
    }
    JsonNode v = m.path("vocab");
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
    JsonNode n = root.path("normalizer");
    if (!n.isNull() && !n.isMissingNode()) {
      String nt = n.path("type").asText("");
      if (!nt.equals("BertNormalizer")) {
        throw new TokenizerFormatException(where + ": normalizer '" + nt + "' is not supported; only BertNormalizer is");
      }
      JsonNode sa = n.path("strip_accents");
      normalizer = new BertNormalizer(n.path("clean_text").asBoolean(true), n.path("handle_chinese_chars").asBoolean(true),
          sa.isBoolean() ? sa.asBoolean() : null, n.path("lowercase").asBoolean(true));
    }
    JsonNode p = root.path("pre_tokenizer");
    if (!p.isNull() && !p.isMissingNode() && !p.path("type").asText("").equals("BertPreTokenizer")) {
      throw new TokenizerFormatException(where + ": pre_tokenizer '" + p.path("type").asText("")
          + "' is not supported; only BertPreTokenizer is");
    }

    List<WordPieceTokenizer.AddedToken> added = new ArrayList<>();
    for (JsonNode t : root.path("added_tokens")) {
      if (t.path("normalized").asBoolean(false)) continue; // matched after normalisation: WordPiece finds them anyway
      added.add(new WordPieceTokenizer.AddedToken(t.path("content").asText(), tokenId(t.path("id"), where, "added_tokens '" + t.path("content").asText() + "' id"),
          t.path("special").asBoolean(false)));
    }

    PostProcessorTemplate template = readTemplate(root.path("post_processor"), where);
    Truncation truncation = null;
    JsonNode tr = root.path("truncation");
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

  private static PostProcessorTemplate readTemplate(JsonNode pp, String where) {
    if (pp.isNull() || pp.isMissingNode()) return PostProcessorTemplate.none();
    String type = pp.path("type").asText("");
    switch (type) {
      case "BertProcessing" -> {
        JsonNode cls = pp.path("cls"), sep = pp.path("sep");
        for (var e : Map.of("cls", cls, "sep", sep).entrySet()) {
          JsonNode t = e.getValue();
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
          JsonNode ids = e.getValue().path("ids");
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

  private static List<PostProcessorTemplate.Piece> readPieces(JsonNode arr, Map<String, int[]> specials, String where) {
    List<PostProcessorTemplate.Piece> out = new ArrayList<>();
    for (JsonNode e : arr) {
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
  static int tokenId(JsonNode n, String where, String key) {
    if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0 || n.intValue() > MAX_TOKEN_ID) {
      throw new TokenizerFormatException(where + ": " + key + " must be a token id, an integer from 0 to " + MAX_TOKEN_ID
          + ", got " + (n == null || n.isMissingNode() ? "nothing" : n.toString()));
    }
    return n.intValue();
  }

  static JsonNode readJson(Path file) throws IOException {
    try {
      return JSON.readTree(file.toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new TokenizerFormatException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
    } catch (java.io.CharConversionException e) { // bytes that no Unicode encoding Jackson detects can decode
      throw new TokenizerFormatException(file + ": not valid JSON text: " + e.getMessage(), e);
    }
  }

  // ---- writing ------------------------------------------------------------------------------------------

  /** The tokenizer.json {@code tok} was read from, or one written for it (vocab.txt-only tokenizers). */
  static JsonNode write(WordPieceTokenizer tok) {
    if (tok.source() != null) return tok.source();
    Truncation truncation = tok.truncation();
    BertNormalizer normalizer = tok.normalizer();
    PostProcessorTemplate template = tok.template();
    WordPiece model = tok.model();
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    if (truncation == null) root.putNull("truncation");
    else {
      ObjectNode t = root.putObject("truncation");
      t.put("direction", truncation.fromLeft() ? "Left" : "Right");
      t.put("max_length", truncation.maxLength());
      t.put("strategy", switch (truncation.strategy()) {
        case LONGEST_FIRST -> "LongestFirst";
        case ONLY_FIRST -> "OnlyFirst";
        case ONLY_SECOND -> "OnlySecond";
      });
      t.put("stride", 0);
    }
    root.putNull("padding");
    ArrayNode at = root.putArray("added_tokens");
    List<WordPieceTokenizer.AddedToken> byId = new ArrayList<>(tok.addedTokens());
    byId.sort(Comparator.comparingInt(WordPieceTokenizer.AddedToken::id));
    for (WordPieceTokenizer.AddedToken a : byId) {
      ObjectNode o = at.addObject();
      o.put("id", a.id()).put("content", a.content()).put("single_word", false).put("lstrip", false)
          .put("rstrip", false).put("normalized", false).put("special", a.special());
    }
    if (normalizer == null) root.putNull("normalizer");
    else {
      ObjectNode n = root.putObject("normalizer");
      n.put("type", "BertNormalizer").put("clean_text", normalizer.cleanText())
          .put("handle_chinese_chars", normalizer.handleChineseChars());
      if (normalizer.stripAccents() == null) n.putNull("strip_accents");
      else n.put("strip_accents", normalizer.stripAccents());
      n.put("lowercase", normalizer.lowercase());
    }
    root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
    ObjectNode pp = root.putObject("post_processor");
    pp.put("type", "TemplateProcessing");
    writePieces(pp.putArray("single"), template.single());
    writePieces(pp.putArray("pair"), template.pair());
    ObjectNode st = pp.putObject("special_tokens");
    for (List<PostProcessorTemplate.Piece> list : List.of(template.single(), template.pair())) {
      for (PostProcessorTemplate.Piece p : list) {
        if (p.ids() == null) continue;
        ObjectNode o = st.putObject(p.token());
        o.put("id", p.token());
        ArrayNode ids = o.putArray("ids");
        ArrayNode toks = o.putArray("tokens");
        for (int id : p.ids()) {
          ids.add(id);
          toks.add(tok.token(id));
        }
      }
    }
    ObjectNode dec = root.putObject("decoder");
    dec.put("type", "WordPiece").put("prefix", model.prefix()).put("cleanup", true);
    ObjectNode m = root.putObject("model");
    m.put("type", "WordPiece").put("unk_token", tok.token(model.unkId()))
        .put("continuing_subword_prefix", model.prefix()).put("max_input_chars_per_word", model.maxInputCharsPerWord());
    ObjectNode vocab = m.putObject("vocab");
    for (int id = 0; id < tok.vocabSize(); id++) if (tok.token(id) != null && model.vocab().containsKey(tok.token(id))) vocab.put(tok.token(id), id);
    return root;
  }

  private static void writePieces(ArrayNode arr, List<PostProcessorTemplate.Piece> pieces) {
    for (PostProcessorTemplate.Piece p : pieces) {
      if (p.ids() != null) arr.addObject().putObject("SpecialToken").put("id", p.token()).put("type_id", p.typeId());
      else arr.addObject().putObject("Sequence").put("id", String.valueOf(p.sequence())).put("type_id", p.typeId());
    }
  }
}
