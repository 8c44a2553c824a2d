package dev.embed4j.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import dev.embed4j.losses.CachedMultipleNegativesRankingLoss;
import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.losses.MiniBatches;
import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.model.TinyModels;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.data.PromptedText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real encoder under a token budget: texts of uneven length cut into uneven mini-batches, each padded
 * to its own longest text, give the loss and gradients of the plain loss over the whole batch (dropout off).
 */
class TokenBudgetTest {
  @Test
  void cachedLossUnderATokenBudgetMatchesThePlainLoss() throws Exception {
    var model = new EncoderTrainable(TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, false), true, 4));
    model.setTraining(false);
    assertEquals(3, model.tokenCount().applyAsInt(PromptedText.of("cat")), "[CLS] cat [SEP]");
    String[] words = {"cat", "a small dog", "the quick brown fox jumps over", "sun", "rain falls on the hills today",
        "tea", "an old book about ships and sails", "blue"};
    List<List<PromptedText>> columns = List.of(new ArrayList<>(), new ArrayList<>());
    for (int i = 0; i < words.length; i++) {
      columns.get(0).add(new PromptedText("query: ", words[i]));
      columns.get(1).add(PromptedText.of(words[(i + 3) % words.length] + " and more"));
    }
    MiniBatches<PromptedText> budget = MiniBatches.ofTokens(24, model.tokenCount());
    int[] bounds = budget.bounds(columns.get(0));
    assertTrue(bounds.length > 3, "the budget cuts the column into several mini-batches: " + Arrays.toString(bounds));

    var mnrl = new MultipleNegativesRankingLoss();
    Map<String, float[]> plain = gradients(model, EncoderLoss.of(mnrl), columns);
    Map<String, float[]> cached = gradients(model, new CachedMultipleNegativesRankingLoss<>(mnrl, budget), columns);
    assertEquals(plain.get("loss")[0], cached.get("loss")[0], 1e-5f * Math.abs(plain.get("loss")[0]), "loss");
    for (String name : plain.keySet()) {
      float[] p = plain.get(name), c = cached.get(name);
      double max = 0;
      for (float v : p) max = Math.max(max, Math.abs(v));
      for (int i = 0; i < p.length; i++) {
        assertEquals(p[i], c[i], 1e-5 * max + 1e-7, name + "[" + i + "] (max " + max + ")");
      }
    }
  }

  private static Map<String, float[]> gradients(EncoderTrainable model, EncoderLoss<PromptedText> loss,
      List<List<PromptedText>> columns) {
    for (Tensor t : model.namedParameters().values()) t.zeroGrad();
    Tensor value = loss.forward(model.embedder(), columns, null, new Generator(1));
    value.backward();
    Map<String, float[]> out = new LinkedHashMap<>();
    out.put("loss", new float[] {value.item()});
    for (var e : model.namedParameters().entrySet()) {
      if (e.getValue().grad() != null) out.put(e.getKey(), e.getValue().grad().toFloatArray());
    }
    return out;
  }
}
