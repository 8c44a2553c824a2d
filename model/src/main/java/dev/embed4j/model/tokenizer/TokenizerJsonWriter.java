package dev.embed4j.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.embed4j.model.io.json.JacksonTrees;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A {@link WordPieceTokenizer}'s {@code tokenizer.json} as a Jackson tree, for writing: the file it was read
 * from, unchanged (converted from the reader's tree as Jackson would have read it, so it is written byte for
 * byte as before), or one written for a tokenizer made from a {@code vocab.txt}. Apart from
 * {@link TokenizerJson} so that reading a tokenizer never loads a Jackson class: the JVM's verifier loads a
 * method's Jackson node classes when it links the class the method is in.
 */
final class TokenizerJsonWriter {
  private TokenizerJsonWriter() {}

  /** The tokenizer.json {@code tok} was read from, or one written for it (vocab.txt-only tokenizers). */
  static JsonNode write(WordPieceTokenizer tok) {
    if (tok.source() != null) return JacksonTrees.toJackson(tok.source());
    Truncation truncation = tok.truncation();
    BertNormalizer normalizer = tok.normalizer();
    PostProcessorTemplate template = tok.template();
    WordPiece model = tok.model();
    ObjectNode root = JsonNodeFactory.instance.objectNode();
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
