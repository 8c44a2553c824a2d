package dev.embed4j.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.embed4j.model.io.json.JacksonTrees;
import dev.embed4j.model.io.json.JsonValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT WordPiece tokenizer that produces exactly what the Hugging Face tokenizers library produces for
 * the same {@code tokenizer.json}: added (special) tokens are cut out of the raw text first, each other
 * span is normalised ({@link BertNormalizer}), split into words ({@link BertPreTokenizer}), the words into
 * pieces ({@link WordPiece}); then the result is truncated ({@link Truncation}) and wrapped in the special
 * tokens ({@link PostProcessorTemplate}). Immutable, so one instance serves any number of threads.
 *
 * <p>Supported: normaliser BertNormalizer or none, pre-tokeniser BertPreTokenizer, model WordPiece,
 * post-processor TemplateProcessing, BertProcessing or none, added tokens that match the raw text
 * ({@code normalized: false}, BERT's case). Padding is to the longest text of a batch, on the right,
 * whatever the file says, as sentence-transformers pads. The file format itself, read and written, is
 * {@code TokenizerJson}'s.
 */
public final class WordPieceTokenizer {
  /** An added token: cut out of the raw text and mapped straight to its id. */
  public record AddedToken(String content, int id, boolean special) {}

  private final BertNormalizer normalizer;
  private final WordPiece model;
  private final List<AddedToken> added; // longest first, for leftmost-longest matching
  private final String addedFirstChars;
  private final PostProcessorTemplate template;
  private final Truncation truncation; // null: none
  private final int padId;
  private final String[] idToToken;
  private final JsonValue source; // the tokenizer.json this came from, written back unchanged on save

  public WordPieceTokenizer(BertNormalizer normalizer, WordPiece model, List<AddedToken> added,
      PostProcessorTemplate template, Truncation truncation, int padId) {
    this(normalizer, model, added, template, truncation, padId, null);
  }

  /** With the tokenizer.json it was read from ({@code source}), written back unchanged on save. */
  WordPieceTokenizer(BertNormalizer normalizer, WordPiece model, List<AddedToken> added,
      PostProcessorTemplate template, Truncation truncation, int padId, JsonValue source) {
    this.normalizer = normalizer;
    this.model = model;
    List<AddedToken> sorted = new ArrayList<>(added);
    sorted.removeIf(t -> t.content().isEmpty());
    sorted.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
    this.added = List.copyOf(sorted);
    StringBuilder first = new StringBuilder();
    for (AddedToken t : sorted) if (first.indexOf(t.content().substring(0, 1)) < 0) first.append(t.content().charAt(0));
    this.addedFirstChars = first.toString();
    this.template = template;
    this.truncation = truncation;
    this.padId = padId;
    int size = 0;
    for (int id : model.vocab().values()) size = Math.max(size, id + 1);
    for (AddedToken t : added) size = Math.max(size, t.id() + 1);
    idToToken = new String[size];
    model.vocab().forEach((tok, id) -> idToToken[id] = tok);
    for (AddedToken t : added) idToToken[t.id()] = t.content();
    this.source = source;
  }

  // ---- loading ------------------------------------------------------------------------------------------

  /** From a {@code tokenizer.json} file, or from a folder with {@code tokenizer.json} or only {@code vocab.txt}. */
  public static WordPieceTokenizer load(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      Path json = path.resolve("tokenizer.json");
      if (Files.exists(json)) return fromTokenizerJson(json);
      Path vocab = path.resolve("vocab.txt");
      if (!Files.exists(vocab)) {
        throw new NoSuchFileException(path.toString(), null, "neither tokenizer.json nor vocab.txt in this folder");
      }
      boolean lower = true;
      Path config = path.resolve("tokenizer_config.json");
      if (Files.exists(config)) {
        JsonValue c = TokenizerJson.readJson(config);
        if (c.has("do_lower_case")) lower = c.get("do_lower_case").asBoolean(true);
      }
      return fromVocab(vocab, lower);
    }
    return path.getFileName().toString().endsWith(".txt") ? fromVocab(path, true) : fromTokenizerJson(path);
  }

  /** A BERT tokenizer from a {@code vocab.txt} (one token a line, the id is the line number). */
  public static WordPieceTokenizer fromVocab(Path vocabTxt, boolean lowercase) throws IOException {
    List<String> lines = Files.readAllLines(vocabTxt, StandardCharsets.UTF_8);
    Map<String, Integer> vocab = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String tok = lines.get(i);
      if (tok.endsWith("\r")) tok = tok.substring(0, tok.length() - 1);
      vocab.putIfAbsent(tok, i);
    }
    if (!vocab.containsKey("[UNK]")) {
      throw new TokenizerFormatException(vocabTxt + ": no [UNK] token among its " + vocab.size()
          + " entries; a BERT vocabulary needs one for words it cannot split");
    }
    for (String special : List.of("[CLS]", "[SEP]")) {
      if (!vocab.containsKey(special)) throw new TokenizerFormatException(vocabTxt + ": no " + special + " token");
    }
    List<AddedToken> added = new ArrayList<>();
    for (String s : List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")) {
      if (vocab.containsKey(s)) added.add(new AddedToken(s, vocab.get(s), true));
    }
    WordPiece wp = new WordPiece(vocab, "[UNK]", "##", 100);
    return new WordPieceTokenizer(new BertNormalizer(true, true, null, lowercase), wp, added,
        PostProcessorTemplate.bert("[CLS]", vocab.get("[CLS]"), "[SEP]", vocab.get("[SEP]")), null,
        vocab.getOrDefault("[PAD]", 0));
  }

  public static WordPieceTokenizer fromTokenizerJson(Path file) throws IOException {
    return TokenizerJson.read(file);
  }

  /** From a parsed tokenizer.json; {@code where} names it in errors. */
  public static WordPieceTokenizer fromTokenizerJson(JsonNode root, String where) {
    return TokenizerJson.read(JacksonTrees.fromJackson(root), where);
  }

  // ---- configuration --------------------------------------------------------------------------------------

  /** The same tokenizer truncating to {@code maxLength} tokens (special tokens included), from the right. */
  public WordPieceTokenizer withMaxLength(int maxLength) {
    Truncation t = truncation == null ? Truncation.right(maxLength)
        : new Truncation(maxLength, truncation.strategy(), truncation.fromLeft());
    return new WordPieceTokenizer(normalizer, model, added, template, t, padId, source);
  }

  /** The same tokenizer without truncation. */
  public WordPieceTokenizer withoutTruncation() {
    return new WordPieceTokenizer(normalizer, model, added, template, null, padId, source);
  }

  /** The truncation length, or 0 when texts are not truncated. */
  public int maxLength() {
    return truncation == null ? 0 : truncation.maxLength();
  }

  public int vocabSize() {
    return idToToken.length;
  }

  /** The largest token id this tokenizer can emit: vocabulary, added tokens, padding and the template's specials. */
  public int maxTokenId() {
    int m = Math.max(idToToken.length - 1, padId);
    for (PostProcessorTemplate.Piece p : templatePieces()) if (p.ids() != null) for (int id : p.ids()) m = Math.max(m, id);
    return m;
  }

  /** The largest token type id the post-processor's template assigns (0 without one). */
  public int maxTypeId() {
    int m = 0;
    for (PostProcessorTemplate.Piece p : templatePieces()) m = Math.max(m, p.typeId());
    return m;
  }

  private List<PostProcessorTemplate.Piece> templatePieces() {
    if (template == null) return List.of();
    List<PostProcessorTemplate.Piece> all = new ArrayList<>(template.single());
    if (template.pair() != null) all.addAll(template.pair());
    return all;
  }

  public int padId() {
    return padId;
  }

  public BertNormalizer normalizer() {
    return normalizer;
  }

  public WordPiece model() {
    return model;
  }

  PostProcessorTemplate template() {
    return template;
  }

  /** The truncation, or null for none. */
  Truncation truncation() {
    return truncation;
  }

  /** The tokenizer.json this was read from, or null. */
  JsonValue source() {
    return source;
  }

  /** The token of an id, or null for an id outside the vocabulary. */
  public String token(int id) {
    return id >= 0 && id < idToToken.length ? idToToken[id] : null;
  }

  // ---- encoding -----------------------------------------------------------------------------------------

  /** The ids of {@code text}'s tokens, without special tokens and without truncation. */
  public int[] tokenize(String text) {
    IntList out = new IntList();
    tokenizeInto(text, out);
    return out.toArray();
  }

  /** The token strings of {@code text}, without special tokens (for inspection). */
  public List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    for (int id : tokenize(text)) out.add(idToToken[id]);
    return out;
  }

  public Encoding encode(String text) {
    return encode(text, null);
  }

  /** A pair of texts ({@code second} may be null), truncated and wrapped in the special tokens. */
  public Encoding encode(String first, String second) {
    int[] a = tokenize(first), b = second == null ? null : tokenize(second);
    if (truncation != null) {
      int[][] cut = truncation.apply(a, b, template.added(b != null));
      a = cut[0];
      b = cut[1];
    }
    return template.apply(a, b);
  }

  /** The texts encoded and padded on the right to the longest of them. */
  public BatchEncoding encodeBatch(List<String> texts) {
    List<Encoding> rows = new ArrayList<>(texts.size());
    for (String t : texts) rows.add(encode(t));
    return pad(rows);
  }

  /** Pads encodings on the right, with this tokenizer's pad id, to the longest of them. */
  public BatchEncoding pad(List<Encoding> rows) {
    int seq = 0;
    for (Encoding e : rows) seq = Math.max(seq, e.length());
    int b = rows.size();
    int[] ids = new int[b * seq], types = new int[b * seq], mask = new int[b * seq], lengths = new int[b];
    if (padId != 0) java.util.Arrays.fill(ids, padId);
    for (int i = 0; i < b; i++) {
      Encoding e = rows.get(i);
      System.arraycopy(e.ids(), 0, ids, i * seq, e.length());
      System.arraycopy(e.typeIds(), 0, types, i * seq, e.length());
      System.arraycopy(e.attentionMask(), 0, mask, i * seq, e.length());
      lengths[i] = e.length();
    }
    return new BatchEncoding(b, seq, ids, types, mask, lengths);
  }

  private void tokenizeInto(String text, IntList out) {
    if (added.isEmpty()) {
      tokenizeSpan(text, out);
      return;
    }
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      if (addedFirstChars.indexOf(text.charAt(i)) < 0) continue;
      for (AddedToken t : added) {
        if (text.startsWith(t.content(), i)) {
          if (i > start) tokenizeSpan(text.substring(start, i), out);
          out.add(t.id());
          i += t.content().length() - 1;
          start = i + 1;
          break;
        }
      }
    }
    if (start < text.length()) tokenizeSpan(text.substring(start), out);
  }

  private void tokenizeSpan(String span, IntList out) {
    String s = normalizer == null ? span : normalizer.normalize(span);
    BertPreTokenizer.split(s, word -> model.tokenize(word, out));
  }

  // ---- saving -------------------------------------------------------------------------------------------

  /** The tokenizer.json this was read from, or one written for it (vocab.txt-only tokenizers). */
  public JsonNode toTokenizerJson() {
    return TokenizerJsonWriter.write(this);
  }

  /** The vocabulary in id order, one token a line, as vocab.txt holds it. */
  public List<String> vocabInOrder() {
    List<String> out = new ArrayList<>(idToToken.length);
    for (String t : idToToken) out.add(t == null ? "[unused]" : t);
    return out;
  }

  /** The added tokens (specials first), for tokenizer_config.json and special_tokens_map.json. */
  public List<AddedToken> addedTokens() {
    return added;
  }
}
