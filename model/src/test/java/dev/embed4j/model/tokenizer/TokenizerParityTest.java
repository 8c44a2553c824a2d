package dev.embed4j.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our WordPiece tokenizer against the Hugging Face tokenizers library (through DJL's binding), on the
 * all-MiniLM-L6-v2 tokenizer.json: every WordNet 3.1 definition and example, hand-made edge cases, pairs,
 * truncation and batch padding. Ids, type ids and attention masks must be identical for every string.
 */
class TokenizerParityTest {
  static Path json;
  static HuggingFaceTokenizer hf;
  static WordPieceTokenizer ours;

  @BeforeAll
  static void load() throws IOException {
    json = Files.createTempFile("minilm-tokenizer", ".json");
    try (InputStream in = TokenizerParityTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
      Files.copy(in, json, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    hf = HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "true", "maxLength", "256", "padding", "false"));
    ours = WordPieceTokenizer.fromTokenizerJson(json).withMaxLength(256);
  }

  @AfterAll
  static void close() throws IOException {
    hf.close();
    Files.deleteIfExists(json);
  }

  static List<String> edgeCases() {
    List<String> s = new ArrayList<>(List.of(
        "", " ", "   \t\n  ", "\u3000\u00A0\u2009", "Hello, World!", "naïve café Ångström résumé",
        "İstanbul ΣΑΣ ὈΔΥΣΣΕΎΣ", "straße ǅemal ﬁ ﬀ", "中文字符测试，汉字！", "日本語のテキスト", "한국어 텍스트",
        "\uD84E\uDC00\uD86E\uDC20\uD86E\uDD20", "emoji 😀🥲👩‍👩‍👧 🇫🇷 ✔️", "zero\u200Bwidth\u200Cnon\u200Djoiner\uFEFFbom",
        "soft\u00ADhyphen", "control\u0000\u0001\u0007\u001B\u007F\u0085\u009Fchars", "tab\tnew\nline\rcr\u000Bvt\u000Cff",
        "replacement \uFFFD char", "private \uE000\uF8FF use", "unassigned \u0378 \uD83F\uDFFF", "lone \uD800 surrogate",
        "a".repeat(300), "b".repeat(100), "c".repeat(101), "supercalifragilisticexpialidocious",
        "x [MASK] y [CLS][SEP] [cls] [PAD]", "[UNK]", "[MASK][MASK]", "$100 + 20% = <tag> ^`|~ @user #hash",
        "“quoted” ‘single’ «guillemets» — dash – en … ellipsis", "don't can't won't", "e-mail U.S.A. 3.14159",
        "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３", "Ⅻ ① ² ½", "\u0301combining first", "a\u0308 o\u0308 u\u0308",
        "mixed中文and english", "Привет, мир! Ελληνικά", "مرحبا بالعالم", "שלום עולם", "हिन्दी", "ไทย ภาษา",
        "   leading and trailing   ", "multiple     spaces", "\n\n\n", "word\u2028line\u2029para"));
    StringBuilder big = new StringBuilder();
    for (int i = 0; i < 2000; i++) big.append("token").append(i % 37).append(i % 5 == 0 ? ", " : " ");
    s.add(big.toString());
    s.add("x".repeat(5000) + " y".repeat(3000));
    return s;
  }

  @Test
  void wordNetAndEdgeCasesMatchHuggingFace() {
    List<String> all = new ArrayList<>(WordNetStrings.all());
    assertTrue(all.size() > 100_000, "WordNet strings: " + all.size());
    all.addAll(edgeCases());
    int compared = 0;
    for (int from = 0; from < all.size(); from += 1024) {
      List<String> chunk = all.subList(from, Math.min(all.size(), from + 1024));
      var theirs = hf.batchEncode(chunk);
      for (int i = 0; i < chunk.size(); i++) {
        Encoding e = ours.encode(chunk.get(i));
        String what = "string " + (from + i) + ": \"" + abbreviate(chunk.get(i)) + "\"";
        assertArrayEquals(toInt(theirs[i].getIds()), e.ids(), () -> what + " ids; tokens " + Arrays.toString(theirs[0].getTokens()));
        assertArrayEquals(toInt(theirs[i].getTypeIds()), e.typeIds(), what + " type ids");
        assertArrayEquals(toInt(theirs[i].getAttentionMask()), e.attentionMask(), what + " mask");
        compared++;
      }
    }
    System.out.println("tokenizer parity: " + compared + " strings identical to Hugging Face tokenizers ("
        + WordNetStrings.all().size() + " WordNet 3.1 definitions and examples, " + edgeCases().size() + " edge cases)");
  }

  @Test
  void pairsAndShortTruncationMatchHuggingFace() throws IOException {
    List<String> wn = WordNetStrings.all();
    List<String> edge = edgeCases();
    int compared = 0;
    for (int max : new int[] {5, 16, 33}) {
      try (HuggingFaceTokenizer h = HuggingFaceTokenizer.newInstance(json,
          Map.of("truncation", "true", "maxLength", String.valueOf(max), "padding", "false"))) {
        WordPieceTokenizer o = ours.withMaxLength(max);
        List<String> firsts = new ArrayList<>(), seconds = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
          firsts.add(i < edge.size() ? edge.get(i) : wn.get(i * 31 % wn.size()));
          seconds.add(i % 97 == 5 ? edge.get(i % edge.size()) : wn.get((i * 7919 + 3) % wn.size()));
        }
        var pairs = h.batchEncode(new ai.djl.util.PairList<>(firsts, seconds));
        var singles = h.batchEncode(firsts);
        for (int i = 0; i < firsts.size(); i++) {
          Encoding e = o.encode(firsts.get(i), seconds.get(i));
          String what = "pair " + i + " max " + max + ": \"" + abbreviate(firsts.get(i)) + "\" / \"" + abbreviate(seconds.get(i)) + "\"";
          assertArrayEquals(toInt(pairs[i].getIds()), e.ids(), what + " ids");
          assertArrayEquals(toInt(pairs[i].getTypeIds()), e.typeIds(), what + " type ids");
          assertArrayEquals(toInt(pairs[i].getAttentionMask()), e.attentionMask(), what + " mask");
          assertArrayEquals(toInt(singles[i].getIds()), o.encode(firsts.get(i)).ids(), what + " single ids");
          compared++;
        }
      }
    }
    assertEquals(3000, compared);
  }

  /**
   * Every code point that is not a letter beyond U+3000 (the letters there have no case, accents or
   * special class), between letters and alone between spaces: where Unicode versions disagree, this is
   * where it shows. (Sweeping all 1,112,064 code points also passes; it takes a minute.)
   */
  @Test
  void everyInterestingCodePointMatchesHuggingFace() {
    boolean all = Boolean.getBoolean("embed4j.sweepAllCodePoints");
    List<String> batch = new ArrayList<>();
    int compared = 0;
    for (int cp = 0; cp <= 0x10FFFF + 1; cp++) {
      boolean flush = cp > 0x10FFFF;
      if (!flush && (cp < 0xD800 || cp > 0xDFFF)) {
        int type = Character.getType(cp);
        boolean letter = type == Character.OTHER_LETTER || type == Character.UNASSIGNED || type == Character.PRIVATE_USE;
        if (all || cp < 0x3000 || !letter) {
          String c = new String(Character.toChars(cp));
          batch.add("aB" + c + "Xy " + c + "é");
        }
      }
      if (batch.size() == 4096 || flush && !batch.isEmpty()) {
        var theirs = hf.batchEncode(batch);
        for (int i = 0; i < batch.size(); i++) {
          int row = i;
          assertArrayEquals(toInt(theirs[i].getIds()), ours.encode(batch.get(i)).ids(),
              () -> "code point U+" + Integer.toHexString(batch.get(row).codePointAt(2)).toUpperCase() + " tokens "
                  + Arrays.toString(theirs[row].getTokens()) + " ours " + ours.tokens(batch.get(row)));
        }
        compared += batch.size();
        batch.clear();
      }
    }
    System.out.println("tokenizer parity: " + compared + " code points identical to Hugging Face tokenizers");
  }

  @Test
  void batchPaddingMatchesHuggingFace() throws IOException {
    try (HuggingFaceTokenizer h = HuggingFaceTokenizer.newInstance(json,
        Map.of("truncation", "true", "maxLength", "64", "padding", "true"))) {
      WordPieceTokenizer o = ours.withMaxLength(64);
      List<String> wn = WordNetStrings.all();
      List<String> edge = edgeCases();
      for (int from = 0; from < 4000; from += 32) {
        List<String> batch = new ArrayList<>(wn.subList(from * 13, from * 13 + 32));
        batch.set(from % 32, edge.get(from / 32 % edge.size()));
        var t = h.batchEncode(batch);
        BatchEncoding b = o.encodeBatch(batch);
        for (int i = 0; i < batch.size(); i++) {
          int row = i;
          int[] ids = Arrays.copyOfRange(b.ids(), i * b.seqLen(), (i + 1) * b.seqLen());
          int[] types = Arrays.copyOfRange(b.typeIds(), i * b.seqLen(), (i + 1) * b.seqLen());
          int[] mask = Arrays.copyOfRange(b.attentionMask(), i * b.seqLen(), (i + 1) * b.seqLen());
          assertArrayEquals(toInt(t[i].getIds()), ids, () -> "batch at " + row + ": " + batch.get(row));
          assertArrayEquals(toInt(t[i].getTypeIds()), types);
          assertArrayEquals(toInt(t[i].getAttentionMask()), mask);
        }
      }
    }
  }

  static int[] toInt(long[] a) {
    int[] r = new int[a.length];
    for (int i = 0; i < a.length; i++) r[i] = Math.toIntExact(a[i]);
    return r;
  }

  static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
