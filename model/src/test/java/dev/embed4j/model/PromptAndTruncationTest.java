package dev.embed4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.losses.SimilarityFunction;
import dev.embed4j.model.bert.BertConfig;
import dev.embed4j.model.bert.BertModel;
import dev.embed4j.model.bert.Pooling;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Prompts by name (encode with a Prompt, encodeQuery, encodeDocument, the default prompt) and Matryoshka truncation. */
class PromptAndTruncationTest {
  static final List<String> TEXTS = List.of("a cat on a mat", "stock markets fell");

  static SentenceEncoder encoder(Map<String, String> prompts, String defaultName, boolean normalize) throws Exception {
    return new SentenceEncoder(TinyModels.miniLmTokenizer(), BertModel.randomInit(TinyModels.config(BertConfig.Activation.GELU), 4),
        new Pooling(Pooling.Mode.MEAN, false), normalize, 128, prompts, defaultName, SimilarityFunction.COSINE);
  }

  static Map<String, String> prompts() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("query", "query: ");
    p.put("passage", "passage: ");
    p.put("classification", "classify: ");
    return p;
  }

  @Test
  void aPromptByNameIsTheModelsTextAndAPromptTextIsItself() throws Exception {
    SentenceEncoder enc = encoder(prompts(), null, true);
    assertTrue(Arrays.deepEquals(enc.encode(TEXTS, "query: "), enc.encode(TEXTS, Prompt.named("query"))));
    assertTrue(Arrays.deepEquals(enc.encode(TEXTS, "query: "), enc.encode(TEXTS, Prompt.text("query: "))));
    // the name is not a text: "query" without the colon embeds differently
    assertFalse(Arrays.deepEquals(enc.encode(TEXTS, "query"), enc.encode(TEXTS, Prompt.named("query"))));
    assertEquals("passage: ", enc.promptText(Prompt.named("passage")));
    assertTrue(Arrays.deepEquals(enc.encode(TEXTS, ""), enc.encode(TEXTS, Prompt.none())));
    assertTrue(Arrays.deepEquals(enc.encode(TEXTS), enc.encode(TEXTS, Prompt.modelDefault())), "no default: no prompt");
    assertTrue(Arrays.deepEquals(enc.encode(TEXTS), enc.encode(TEXTS, "")));
  }

  @Test
  void encodeQueryAndEncodeDocumentUseTheModelsQueryAndPassagePrompts() throws Exception {
    SentenceEncoder enc = encoder(prompts(), null, true);
    assertTrue(Arrays.deepEquals(enc.encode(TEXTS, "query: "), enc.encodeQuery(TEXTS)));
    assertTrue(Arrays.deepEquals(enc.encode(TEXTS, "passage: "), enc.encodeDocument(TEXTS)));
    assertArrayEquals(enc.encode(TEXTS, "query: ")[1], enc.encodeQuery(TEXTS.get(1)), 0f);
    assertArrayEquals(enc.encode(TEXTS, "passage: ")[0], enc.encodeDocument(TEXTS.get(0)), 0f);
    // "document" comes before "passage", and "corpus" after both
    Map<String, String> both = new LinkedHashMap<>(Map.of("corpus", "corpus: ", "passage", "passage: ", "document", "document: "));
    SentenceEncoder enc2 = encoder(both, null, true);
    assertTrue(Arrays.deepEquals(enc2.encode(TEXTS, "document: "), enc2.encodeDocument(TEXTS)));
  }

  @Test
  void theDefaultPromptAppliesWhereverNoPromptIsGiven() throws Exception {
    SentenceEncoder enc = encoder(prompts(), "classification", true);
    float[][] withDefault = enc.encode(TEXTS, "classify: ");
    assertTrue(Arrays.deepEquals(withDefault, enc.encode(TEXTS)));
    assertTrue(Arrays.deepEquals(withDefault, enc.encode(TEXTS, (String) null)));
    assertTrue(Arrays.deepEquals(withDefault, enc.encode(TEXTS, Prompt.modelDefault())));
    assertArrayEquals(withDefault[0], enc.encode(TEXTS.get(0)), 0f);
    assertTrue(Arrays.deepEquals(withDefault, new dev.embed4j.model.train.EncoderTrainable(enc).textEmbedder().embed(TEXTS, "")),
        "an evaluator that sets no prompt gets the default");
    // a named or given prompt replaces the default, and none means none
    assertTrue(Arrays.deepEquals(enc.encode(TEXTS, "query: "), enc.encodeQuery(TEXTS)));
    assertFalse(Arrays.deepEquals(withDefault, enc.encode(TEXTS, Prompt.none())));
    // without a query or document prompt, encodeQuery and encodeDocument fall back to the default
    SentenceEncoder onlyDefault = encoder(Map.of("classification", "classify: "), "classification", true);
    assertTrue(Arrays.deepEquals(onlyDefault.encode(TEXTS, "classify: "), onlyDefault.encodeQuery(TEXTS)));
    assertTrue(Arrays.deepEquals(onlyDefault.encode(TEXTS, "classify: "), onlyDefault.encodeDocument(TEXTS)));
  }

  @Test
  void anUnknownPromptNameIsRefusedNamingTheModelsPrompts() throws Exception {
    SentenceEncoder enc = encoder(prompts(), null, true);
    var e = assertThrows(IllegalArgumentException.class, () -> enc.encode(TEXTS, Prompt.named("document")));
    assertTrue(e.getMessage().contains("'document'") && e.getMessage().contains("[classification, passage, query]"), e.getMessage());
    var e2 = assertThrows(IllegalArgumentException.class, () -> encoder(Map.of(), null, true).encode(TEXTS, Prompt.named("query")));
    assertTrue(e2.getMessage().contains("has none"), e2.getMessage());
  }

  @Test
  void truncateDimKeepsTheFirstDimensionsWithoutNormalisingAgain() throws Exception {
    SentenceEncoder enc = encoder(prompts(), null, true);
    float[][] whole = enc.encode(TEXTS);
    SentenceEncoder cut = enc.withTruncateDim(8);
    assertEquals(8, cut.truncateDim());
    assertEquals(8, cut.dimension());
    assertEquals(32, enc.dimension());
    float[][] e8 = cut.encode(TEXTS);
    for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(Arrays.copyOf(whole[i], 8), e8[i], 0f);
    double norm = 0;
    for (float v : e8[0]) norm += v * v;
    assertTrue(Math.sqrt(norm) < 0.999, "cut after normalisation, as sentence-transformers: " + Math.sqrt(norm));
    // the per-call dimension overrides the model's, in either direction
    float[][] e16 = cut.encode(TEXTS, Prompt.modelDefault(), 16);
    assertArrayEquals(Arrays.copyOf(whole[1], 16), e16[1], 0f);
    assertTrue(Arrays.deepEquals(whole, cut.encode(TEXTS, Prompt.modelDefault(), 0)));
    // the setting survives the other settings
    assertEquals(8, cut.withBatchSize(1).withMaxSeqLength(64).truncateDim());
    assertArrayEquals(Arrays.copyOf(enc.encodeQuery(TEXTS)[0], 8), cut.encodeQuery(TEXTS)[0], 0f);
    var e = assertThrows(IllegalArgumentException.class, () -> enc.withTruncateDim(33));
    assertTrue(e.getMessage().contains("[1, 32]"), e.getMessage());
  }
}
