package dev.embed4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Tensor;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.tokenizer.BatchEncoding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** forward on a tokenised batch, and copying weights in memory (stateDict, loadStateDict). */
class StateDictAndBatchForwardTest {
  static final List<String> TEXTS = List.of("find the kitten", "a dog in the garden", "stocks", "x y z w v u t s r q");

  @Test
  void forwardOnATokenisedBatchIsForwardOnTheTexts() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, false), true, 1);
    BatchEncoding batch = enc.tokenize(TEXTS, "query: ");
    int promptLength = enc.promptLength("query: ");
    assertEquals(3, promptLength);
    try (var g = Grad.off()) {
      assertArrayEquals(enc.forward(TEXTS, "query: ", false, null).toFloatArray(),
          enc.forward(batch, promptLength, false, null).toFloatArray(), 0f);
      // with dropout, the same generator state gives the same masks
      assertArrayEquals(enc.forward(TEXTS, "query: ", true, new Generator(3)).toFloatArray(),
          enc.forward(batch, promptLength, true, new Generator(3)).toFloatArray(), 0f);
    }
    // and, without dropout, what encode returns
    float[] flat;
    try (var g = Grad.off()) {
      flat = enc.forward(batch, promptLength, false, null).toFloatArray();
    }
    float[][] encoded = enc.encode(TEXTS, "query: ");
    for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(encoded[i], Arrays.copyOfRange(flat, i * 32, (i + 1) * 32), 1e-6f);
    // it records a graph that reaches the weights
    Tensor e = enc.forward(batch, promptLength, true, new Generator(1));
    e.mul(e).sum().backward();
    assertTrue(enc.namedParameters().get("embeddings.word_embeddings.weight").grad() != null);
    var bad = assertThrows(IllegalArgumentException.class, () -> enc.forward(batch, batch.seqLen() + 1, false, null));
    assertTrue(bad.getMessage().contains("prompt length"), bad.getMessage());
  }

  @Test
  void aStateDictIsASnapshotThatLoadsBackAndIntoAnotherModel() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, true), true, 1);
    float[][] before = enc.encode(TEXTS);
    LinkedHashMap<String, Tensor> state = enc.stateDict();
    assertEquals(new ArrayList<>(enc.namedParameters().keySet()), new ArrayList<>(state.keySet()));
    // the snapshot does not follow later changes to the weights
    Tensor w = enc.namedParameters().get("encoder.layer.0.attention.self.query.weight");
    float[] saved = state.get("encoder.layer.0.attention.self.query.weight").toFloatArray();
    w.scaleInPlace(3f);
    assertArrayEquals(saved, state.get("encoder.layer.0.attention.self.query.weight").toFloatArray(), 0f);
    assertFalse(Arrays.deepEquals(before, enc.encode(TEXTS)));
    enc.loadStateDict(state);
    assertTrue(Arrays.deepEquals(before, enc.encode(TEXTS)));
    // another model of the same shape takes the weights and embeds alike
    SentenceEncoder other = TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, true), true, 2);
    assertFalse(Arrays.deepEquals(before, other.encode(TEXTS)));
    other.loadStateDict(state);
    assertTrue(Arrays.deepEquals(before, other.encode(TEXTS)));
  }

  @Test
  void aStateDictThatDoesNotFitIsRefusedNamingTheWeights() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, true), true, 1);
    LinkedHashMap<String, Tensor> state = enc.stateDict();
    state.remove("pooler.dense.weight");
    state.remove("encoder.layer.1.output.dense.bias");
    state.put("bert.encoder.extra", Tensor.of(new float[] {1}, 1));
    var e = assertThrows(IllegalArgumentException.class, () -> enc.loadStateDict(state));
    assertTrue(e.getMessage().contains("missing 1 weights [encoder.layer.1.output.dense.bias]")
        && e.getMessage().contains("unexpected 1 names [bert.encoder.extra]"), e.getMessage());
    LinkedHashMap<String, Tensor> shaped = enc.stateDict();
    shaped.put("embeddings.LayerNorm.bias", Tensor.of(new float[3], 3));
    var e2 = assertThrows(IllegalArgumentException.class, () -> enc.loadStateDict(shaped));
    assertTrue(e2.getMessage().contains("'embeddings.LayerNorm.bias' is shaped [3], the model's [32]"), e2.getMessage());
  }
}
