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

  /** A made-up token count per input (1 to 7), so that a token budget cuts uneven mini-batches. */
  static int tokens(int[] input) {
    return 1 + input[0] % 7;
  }

  private static List<Tensor> embedInMiniBatches(TinyEncoder model, List<List<int[]>> columns, Generator random,
      MiniBatches<int[]> miniBatches) {
    List<Tensor> out = new ArrayList<>();
    for (List<int[]> column : columns) {
      List<Tensor> parts = new ArrayList<>();
      int[] b = miniBatches.bounds(column);
      for (int k = 0; k + 1 < b.length; k++) parts.add(model.embed(column.subList(b[k], b[k + 1]), random));
      out.add(parts.size() == 1 ? parts.get(0) : Tensor.concat(parts, 0));
    }
    return out;
  }

  private static void compare(String name, int columnCount, Function<List<Tensor>, Tensor> plain,
      EncoderLoss<int[]> cached) {
    compare(name, columnCount, plain, cached, MiniBatches.ofSize(MINI));
  }

  private static void compare(String name, int columnCount, Function<List<Tensor>, Tensor> plain,
      EncoderLoss<int[]> cached, MiniBatches<int[]> miniBatches) {
    TinyEncoder model = new TinyEncoder(5, 0.25f);
    List<List<int[]>> columns = new ArrayList<>();
    for (int c = 0; c < columnCount; c++) columns.add(TinyEncoder.inputs(100 + c, BATCH));

    Generator g1 = new Generator(42);
    Tensor expected = plain.apply(embedInMiniBatches(model, columns, g1, miniBatches));
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
    // the cached loss runs the wrapped loss on the cached embeddings: its hardness penalty too
    var llave = new MultipleNegativesRankingLoss(20f, SimilarityFunction.COSINE,
        EnumSet.of(Direction.QUERY_TO_DOC, Direction.DOC_TO_QUERY), PartitionMode.JOINT, HardnessMode.IN_BATCH_NEGATIVES, 9f);
    compare("CMNRL in-batch hardness", 3, llave::computeLoss, new CachedMultipleNegativesRankingLoss<>(llave, MINI));
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

  @Test
  void tokenBudgetMiniBatchesKeepThePlainGradients() {
    MiniBatches<int[]> byTokens = MiniBatches.ofTokens(9, GradCacheTest::tokens);
    MiniBatches<int[]> both = MiniBatches.of(2, 9, GradCacheTest::tokens);
    for (int c = 0; c < 3; c++) {
      int[] b = byTokens.bounds(TinyEncoder.inputs(100 + c, BATCH));
      assertTrue(b.length > 2 && b.length - 1 < BATCH, "the budget cuts several uneven mini-batches: "
          + java.util.Arrays.toString(b));
    }
    var mnrl = new MultipleNegativesRankingLoss();
    compare("CMNRL by tokens", 3, mnrl::computeLoss, new CachedMultipleNegativesRankingLoss<>(mnrl, byTokens), byTokens);
    compare("CMNRL by size and tokens", 2, mnrl::computeLoss, new CachedMultipleNegativesRankingLoss<>(mnrl, both), both);
    var mnsrl = new MultipleNegativesSymmetricRankingLoss();
    compare("CMNSRL by tokens", 2, mnsrl::computeLoss,
        new CachedMultipleNegativesSymmetricRankingLoss<>(mnsrl, byTokens), byTokens);
    TinyEncoder guide = new TinyEncoder(9, 0f);
    var gist = new GISTEmbedLoss<>(guide);
    compare("CachedGIST by tokens", 3, e -> gist.computeLoss(e, guideEmbeddings(guide, 3)),
        new CachedGISTEmbedLoss<>(gist, byTokens), byTokens);
  }

  @Test
  void matryoshkaOverCachedLossesTruncatesTheCachedEmbeddings() {
    int[] dims = {6, 4, 2};
    float[] weights = {1f, 0.5f, 0.25f};
    var mnrl = new MultipleNegativesRankingLoss();
    var plain = new MatryoshkaLoss(mnrl, dims, weights);
    compare("Matryoshka(CMNRL)", 3, plain::computeLoss,
        new CachedMatryoshkaLoss<>(new CachedMultipleNegativesRankingLoss<>(mnrl, MINI), dims, weights, -1, null));
    MiniBatches<int[]> byTokens = MiniBatches.ofTokens(9, GradCacheTest::tokens);
    compare("Matryoshka(CMNRL by tokens)", 2, plain::computeLoss,
        new CachedMatryoshkaLoss<>(new CachedMultipleNegativesRankingLoss<>(mnrl, byTokens), dims, weights, -1, null),
        byTokens);
    TinyEncoder guide = new TinyEncoder(9, 0f);
    var gist = new GISTEmbedLoss<>(guide);
    List<Tensor> g = guideEmbeddings(guide, 3);
    Function<List<Tensor>, Tensor> plainGist = e -> {
      Tensor total = null;
      for (int k = 0; k < dims.length; k++) {
        List<Tensor> cut = new ArrayList<>();
        for (Tensor x : e) cut.add(dims[k] == TinyEncoder.DIM ? x : x.slice(1, 0, dims[k]));
        Tensor l = gist.computeLoss(cut, g).mul(weights[k]);
        total = total == null ? l : total.add(l);
      }
      return total;
    };
    compare("Matryoshka(CachedGIST)", 3, plainGist,
        new CachedMatryoshkaLoss<>(new CachedGISTEmbedLoss<>(gist, MINI), dims, weights, -1, null));
  }

  @Test
  void matryoshkaRefusesALossThatIsNotCached() {
    var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new CachedMatryoshkaLoss<int[]>(EncoderLoss.of(new MultipleNegativesRankingLoss()), 4, 2));
    assertTrue(e.getMessage().contains("MatryoshkaLoss"), e.getMessage());
  }
}
