package dev.embed4j.model.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Generator;
import dev.embed4j.model.data.HardNegativeMiner.Options;
import dev.embed4j.model.data.HardNegativeMiner.OutputFormat;
import dev.embed4j.model.data.HardNegativeMiner.Sampling;
import dev.embed4j.model.eval.TextEmbedder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The miner (float32 blocked top-k, exact rescoring) against a brute-force float64 twin written from the
 * definitions in HardNegativeMiner's comment: every query scored against the whole corpus, sorted, cut,
 * filtered, windowed and sampled. Results must be equal, index for index and score for score.
 */
class HardNegativeMinerTest {
  private static float[] unit(float[] v) {
    double n = 0;
    for (float x : v) n += (double) x * x;
    for (int i = 0; i < v.length; i++) v[i] = (float) (v[i] / Math.sqrt(n));
    return v;
  }

  private static float[] gaussian(Random r, int d) {
    float[] v = new float[d];
    for (int i = 0; i < d; i++) v[i] = (float) r.nextGaussian();
    return v;
  }

  /** Queries, a corpus whose first documents are noisy copies of the queries (their positives), positives per query. */
  private record Problem(float[][] queries, float[][] corpus, int[][] positives) {}

  private static Problem problem(long seed, int nq, int nc, int d, int maxPositives) {
    Random r = new Random(seed);
    float[][] q = new float[nq][], c = new float[nc][];
    for (int i = 0; i < nq; i++) q[i] = unit(gaussian(r, d));
    for (int j = 0; j < nc; j++) c[j] = unit(gaussian(r, d));
    int[][] pos = new int[nq][];
    for (int i = 0; i < nq; i++) {
      int np = 1 + r.nextInt(maxPositives);
      Set<Integer> ps = new HashSet<>();
      while (ps.size() < np) ps.add(r.nextInt(nc));
      pos[i] = ps.stream().mapToInt(Integer::intValue).toArray();
      for (int p : pos[i]) { // pull the positive towards its query, so margins and max scores bite
        float[] g = gaussian(r, d);
        for (int k = 0; k < d; k++) c[p][k] = q[i][k] + 0.8f * g[k] / (float) Math.sqrt(d);
        unit(c[p]);
      }
    }
    return new Problem(q, c, pos);
  }

  /** The twin: the definitions, in float64, over the full score row of each query. */
  private static HardNegativeMiner.Negatives bruteForce(Problem p, Options o) {
    int maxPos = Arrays.stream(p.positives()).mapToInt(a -> a.length).max().orElse(0);
    boolean filtered = o.absoluteMargin() != null || o.relativeMargin() != null || o.maxScore() != null;
    int rangeMax = o.rangeMax() != null ? o.rangeMax() : o.rangeMin() + (filtered ? 10 : 1) * o.numNegatives() + maxPos;
    int k = rangeMax + maxPos;
    int nq = p.queries().length, nc = p.corpus().length;
    int[][] outI = new int[nq][];
    double[][] outS = new double[nq][];
    for (int q = 0; q < nq; q++) {
      double[] s = new double[nc];
      for (int j = 0; j < nc; j++) {
        double sum = 0;
        for (int t = 0; t < p.queries()[q].length; t++) sum += (double) p.queries()[q][t] * p.corpus()[j][t];
        s[j] = sum;
      }
      Integer[] order = new Integer[nc];
      for (int j = 0; j < nc; j++) order[j] = j;
      Arrays.sort(order, (a, b) -> s[a] != s[b] ? Double.compare(s[b], s[a]) : Integer.compare(a, b));
      Set<Integer> positives = new HashSet<>();
      double hardest = Double.POSITIVE_INFINITY;
      for (int j : p.positives()[q]) {
        positives.add(j);
        hardest = Math.min(hardest, s[j]);
      }
      List<Integer> valid = new ArrayList<>();
      for (int r = 0; r < Math.min(k, nc); r++) {
        int j = order[r];
        double v = s[j];
        boolean drop = positives.contains(j)
            || (o.absoluteMargin() != null && v + o.absoluteMargin() > hardest)
            || (o.relativeMargin() != null && v > hardest * (1 - o.relativeMargin()))
            || (o.maxScore() != null && v > o.maxScore())
            || (o.minScore() != null && v < o.minScore());
        if (!drop) valid.add(j);
      }
      List<Integer> window = valid.subList(Math.min(o.rangeMin(), valid.size()), Math.min(rangeMax, valid.size()));
      List<Integer> chosen;
      if (window.size() <= o.numNegatives()) {
        chosen = window;
      } else if (o.sampling() == Sampling.TOP) {
        chosen = window.subList(0, o.numNegatives());
      } else {
        int[] pos = new int[window.size()];
        for (int i = 0; i < pos.length; i++) pos[i] = i;
        SplittableRandom rnd = new SplittableRandom(Generator.mix(o.seed() ^ Generator.mix(q + 0x9E3779B97F4A7C15L)));
        for (int i = 0; i < o.numNegatives(); i++) {
          int j = i + rnd.nextInt(pos.length - i);
          int t = pos[i];
          pos[i] = pos[j];
          pos[j] = t;
        }
        int[] picked = Arrays.copyOf(pos, o.numNegatives());
        Arrays.sort(picked);
        chosen = new ArrayList<>();
        for (int i : picked) chosen.add(window.get(i));
      }
      outI[q] = chosen.stream().mapToInt(Integer::intValue).toArray();
      outS[q] = chosen.stream().mapToDouble(j -> s[j]).toArray();
    }
    return new HardNegativeMiner.Negatives(outI, outS);
  }

  private static void assertSame(HardNegativeMiner.Negatives want, HardNegativeMiner.Negatives got, String what) {
    for (int q = 0; q < want.indices().length; q++) {
      assertArrayEquals(want.indices()[q], got.indices()[q], what + ", query " + q);
      assertArrayEquals(want.scores()[q], got.scores()[q], 0.0, what + ", query " + q);
    }
  }

  @Test
  void minerEqualsTheFloat64TwinUnderEveryOption() {
    Problem p = problem(7, 157, 1291, 37, 3);
    Options base = Options.defaults();
    List<Options> cases = List.of(base,
        base.withNegatives(5, Sampling.TOP, 1),
        base.withRange(3, 40).withNegatives(4, Sampling.RANDOM, 11),
        base.withMargins(0.0, null),
        base.withMargins(null, 0.05).withNegatives(6, Sampling.RANDOM, 3),
        base.withScores(0.25, null),
        base.withScores(0.4, 0.1).withMargins(0.02, 0.1).withRange(1, null),
        base.withRange(0, 1).withNegatives(1, Sampling.TOP, 0),
        base.withNegatives(30, Sampling.RANDOM, 5).withRange(2, 200));
    boolean sawShort = false, sawRandomDiffer = false;
    for (Options o : cases) {
      HardNegativeMiner.Negatives want = bruteForce(p, o), got = HardNegativeMiner.mine(p.queries(), p.corpus(), p.positives(), o);
      assertSame(want, got, o.toString());
      for (int[] n : got.indices()) sawShort |= n.length < o.numNegatives();
    }
    assertTrue(sawShort, "some case leaves a query with fewer negatives than asked (the filters bite)");
    // different seeds draw different negatives
    Options r1 = base.withRange(0, 50).withNegatives(3, Sampling.RANDOM, 1), r2 = r1.withNegatives(3, Sampling.RANDOM, 2);
    var a = HardNegativeMiner.mine(p.queries(), p.corpus(), p.positives(), r1);
    var b = HardNegativeMiner.mine(p.queries(), p.corpus(), p.positives(), r2);
    for (int q = 0; q < a.indices().length; q++) sawRandomDiffer |= !Arrays.equals(a.indices()[q], b.indices()[q]);
    assertTrue(sawRandomDiffer);
  }

  @Test
  void blockedTopKEqualsAFullSortWhateverTheBlocks() {
    Problem p = problem(3, 61, 517, 19, 1);
    int k = 23;
    BlockedTopK.Hits whole = BlockedTopK.search(p.queries(), p.corpus(), k);
    for (int[] blocks : new int[][] {{1, 1}, {7, 13}, {61, 517}, {64, 1000}, {5, 516}}) {
      BlockedTopK.Hits h = BlockedTopK.search(p.queries(), p.corpus(), k, blocks[0], blocks[1]);
      for (int q = 0; q < p.queries().length; q++) {
        // the exact top k by float64 score: the float32 search must find the same set
        double[] s = new double[p.corpus().length];
        for (int j = 0; j < s.length; j++) s[j] = HardNegativeMiner.dot(p.queries()[q], p.corpus()[j]);
        int[] exact = java.util.stream.IntStream.range(0, s.length).boxed()
            .sorted((a, b) -> Double.compare(s[b], s[a])).limit(k).mapToInt(Integer::intValue).sorted().toArray();
        int[] found = h.indices()[q].clone();
        Arrays.sort(found);
        assertArrayEquals(exact, found, "query " + q + ", blocks " + Arrays.toString(blocks));
        assertArrayEquals(whole.indices()[q], h.indices()[q], "same ranking whatever the blocks, query " + q);
      }
    }
    assertEquals(0, BlockedTopK.search(new float[0][], p.corpus(), 3).indices().length);
    assertEquals(5, BlockedTopK.search(p.queries(), Arrays.copyOf(p.corpus(), 5), 10).indices()[0].length, "k beyond the corpus");
  }

  /** A text's embedding: a fixed random vector per text, and for "pos of X" the anchor X's vector plus a little noise. */
  private static final TextEmbedder HASHED = (texts, prompt) -> {
    float[][] out = new float[texts.size()][];
    for (int i = 0; i < out.length; i++) {
      String t = texts.get(i);
      String base = t.startsWith("pos of ") ? t.substring(7) : t;
      float[] v = gaussian(new Random(base.hashCode()), 16);
      if (!base.equals(t)) {
        float[] noise = gaussian(new Random(t.hashCode()), 16);
        for (int k = 0; k < v.length; k++) v[k] += 0.3f * noise[k];
      }
      out[i] = v;
    }
    return out;
  };

  @Test
  void textsAreDeduplicatedAndTheOutputsHaveTheirColumns() {
    List<List<?>> rows = new ArrayList<>();
    for (int i = 0; i < 40; i++) rows.add(List.of("anchor " + i, "pos of anchor " + i));
    rows.add(List.of("anchor 0", "pos of anchor 0 again")); // a repeated anchor: one query, two positives
    Dataset pairs = Dataset.of("pairs", List.of("query", "answer"), rows);
    List<String> corpus = new ArrayList<>();
    for (int i = 0; i < 60; i++) corpus.add("extra " + i);
    corpus.add("pos of anchor 3"); // equal to a positive: the same corpus entry, never its own anchor's negative

    var triplets = HardNegativeMiner.mine(pairs, corpus, HASHED, Options.defaults());
    Dataset t = triplets.dataset();
    assertEquals(List.of("query", "answer", "negative"), t.textColumns());
    assertEquals(41 * 3, t.size(), "three negatives for every pair");
    for (int r = 0; r < t.size(); r++) {
      String anchor = t.text(r, 0), negative = t.text(r, 2);
      assertFalse(negative.equals("pos of " + anchor) || negative.equals("pos of anchor 0 again") && anchor.equals("anchor 0"),
          "a positive of " + anchor + " came back as its negative");
    }
    assertTrue(triplets.skipped().positives() >= 40, "every one of the 40 queries' near positive was retrieved and dropped: "
        + triplets.skipped());

    var tuples = HardNegativeMiner.mine(pairs, corpus, HASHED,
        Options.defaults().withOutput(OutputFormat.N_TUPLE).withNegatives(4, Sampling.RANDOM, 9).withPrompts("q: ", ""));
    assertEquals(List.of("query", "answer", "negative_1", "negative_2", "negative_3", "negative_4"), tuples.dataset().textColumns());
    assertEquals(41, tuples.dataset().size());
    assertEquals(0, tuples.missing());

    var none = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> HardNegativeMiner.mine(pairs, corpus, HASHED, Options.defaults().withScores(-1.0, null)));
    assertTrue(none.getMessage().contains("no negatives"), none.getMessage());
  }
}
