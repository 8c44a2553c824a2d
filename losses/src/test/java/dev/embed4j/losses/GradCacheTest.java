package dev.embed4j.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The cached losses give the parameter gradients of the plain loss, with dropout on. The plain loss
 * embeds mini-batch by mini-batch with a graph, drawing from a generator with the same seed, so both
 * see the same dropout masks exactly when GradCache replays the random state.
 */
class GradCacheTest {
  private static final int BATCH = 7, MINI = 3;

  private static List<Tensor> embedInMiniBatches(TinyEncoder model, List<List<int[]>> columns, Generator random) {
    List<Tensor> out = new ArrayList<>();
    for (List<int[]> column : columns) {
      List<Tensor> parts = new ArrayList<>();
      for (int from = 0; from < column.size(); from += MINI) {
        parts.add(model.embed(column.subList(from, Math.min(column.size(), from + MINI)), random));
      }
      out.add(Tensor.concat(parts, 0));
    }
    return out;
  }

  private static void compare(String name, int columnCount, Function<List<Tensor>, Tensor> plain,
      EncoderLoss<int[]> cached) {
    TinyEncoder model = new TinyEncoder(5, 0.25f);
    List<List<int[]>> columns = new ArrayList<>();
    for (int c = 0; c < columnCount; c++) columns.add(TinyEncoder.inputs(100 + c, BATCH));

    Generator g1 = new Generator(42);
    Tensor expected = plain.apply(embedInMiniBatches(model, columns, g1));
    expected.backward();
    float[] tableGrad = model.table.grad().toFloatArray(), weightGrad = model.weight.grad().toFloatArray();
    model.zeroGrad();

    Generator g2 = new Generator(42);
    Tensor loss = cached.forward(model, columns, null, g2);
    assertEquals(expected.item(), loss.item(), 1e-5 * Math.abs(expected.item()), name + " loss value");
    loss.backward();
    assertClose(name + " table gradient", tableGrad, model.table.grad().toFloatArray());
    assertClose(name + " weight gradient", weightGrad, model.weight.grad().toFloatArray());
    assertEquals(g1.state(), g2.state(), name + ": the generator ends where the plain run leaves it");
  }

  private static void assertClose(String what, float[] expected, float[] actual) {
    double max = 0;
    for (float v : expected) max = Math.max(max, Math.abs(v));
    assertTrue(max > 0, what + " is all zero");
    for (int i = 0; i < expected.length; i++) {
      assertTrue(Math.abs(expected[i] - actual[i]) <= 1e-5 * max,
          what + "[" + i + "]: plain " + expected[i] + ", cached " + actual[i] + " (max " + max + ")");
    }
  }

  @Test
  void cachedMultipleNegativesRankingLoss() {
    var mnrl = new MultipleNegativesRankingLoss();
    compare("CMNRL pairs", 2, mnrl::computeLoss, new CachedMultipleNegativesRankingLoss<>(mnrl, MINI));
    compare("CMNRL hard negatives", 3, mnrl::computeLoss, new CachedMultipleNegativesRankingLoss<>(mnrl, MINI));
    var gte = new MultipleNegativesRankingLoss(20f, SimilarityFunction.COSINE, EnumSet.allOf(Direction.class),
        PartitionMode.JOINT);
    compare("CMNRL all directions", 3, gte::computeLoss, new CachedMultipleNegativesRankingLoss<>(gte, MINI));
  }

  @Test
  void cachedMultipleNegativesSymmetricRankingLoss() {
    var mnsrl = new MultipleNegativesSymmetricRankingLoss();
    compare("CMNSRL", 2, mnsrl::computeLoss, new CachedMultipleNegativesSymmetricRankingLoss<>(mnsrl, MINI));
  }

  @Test
  void cachedGistEmbedLoss() {
    TinyEncoder guide = new TinyEncoder(9, 0f);
    var gist = new GISTEmbedLoss<>(guide);
    compare("CachedGIST", 3, e -> gist.computeLoss(e, guideEmbeddings(guide, 3)),
        new CachedGISTEmbedLoss<>(gist, MINI));
  }

  private static List<Tensor> guideEmbeddings(TinyEncoder guide, int columns) {
    List<Tensor> out = new ArrayList<>();
    for (int c = 0; c < columns; c++) out.add(guide.embed(TinyEncoder.inputs(100 + c, BATCH), new Generator(0)).detach());
    return out;
  }
}
