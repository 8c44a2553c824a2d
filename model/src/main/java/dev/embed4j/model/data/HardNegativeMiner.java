package dev.embed4j.model.data;

import dev.embed4j.engine.Generator;
import dev.embed4j.model.eval.TextEmbedder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Hard-negative mining, as sentence-transformers' {@code mine_hard_negatives}: for each (anchor, positive)
 * pair, the anchor is scored against a corpus (the positives, plus a given corpus) by cosine similarity
 * of an embedding model, and negatives are picked among the closest documents that are not its positive.
 *
 * <p>Definitions, per distinct anchor q with positives P(q) (a repeated anchor is one query whose
 * positives are all its rows' positives; the corpus is de-duplicated, so a text equal to a positive is
 * that positive):
 * <ol>
 *   <li>retrieve the K = rangeMax + max_q |P(q)| best-scoring corpus documents, ranked by score (ties:
 *       corpus order);
 *   <li>drop the positives, and, with p⁻ = min_{p ∈ P(q)} s(q, p) (the hardest positive), every candidate
 *       with s + absoluteMargin &gt; p⁻, with s &gt; p⁻·(1 − relativeMargin), s &gt; maxScore or
 *       s &lt; minScore (each only when set);
 *   <li>of the remaining candidates, in rank order, keep ranks [rangeMin, rangeMax);
 *   <li>{@code TOP}: the first numNegatives of them; {@code RANDOM}: numNegatives of them drawn uniformly
 *       without replacement (all when there are fewer), presented in rank order. The draw for query q
 *       comes from a generator seeded with (seed, q), so it depends on nothing else.
 * </ol>
 * Defaults as ST: rangeMin 0, rangeMax rangeMin + numNegatives + max|P| (rangeMin + 10·numNegatives +
 * max|P| when a margin or maxScore is set), numNegatives 3, TOP.
 * Output: {@code TRIPLET}, one (anchor, positive, negative) row per pair and negative found;
 * {@code N_TUPLE}, one (anchor, positive, negative_1 … negative_n) row per pair that found all n. Rows
 * keep the input's order (ST groups them by anchor).
 *
 * <p>Retrieval is {@link BlockedTopK} in float32 with 16 more candidates than K, which are then rescored
 * exactly (double sums of the float embeddings) and re-ranked, so ranks and thresholds are those of an
 * exact float64 computation unless float32 rounding moved a document by more than 16 ranks. Memory:
 * the embeddings (4·d bytes a text) and K + 16 candidates a query; no queries × corpus matrix.
 */
public final class HardNegativeMiner {
  public enum Sampling { TOP, RANDOM }

  public enum OutputFormat { TRIPLET, N_TUPLE }

  /** Extra float32 candidates retrieved before exact rescoring. */
  static final int SLACK = 16;

  /**
   * The mining settings; a null bound is unset.
   *
   * @param rangeMax null: the ST default (see the class comment)
   */
  public record Options(int rangeMin, Integer rangeMax, Double maxScore, Double minScore, Double absoluteMargin,
      Double relativeMargin, int numNegatives, Sampling sampling, long seed, OutputFormat outputFormat, String queryPrompt,
      String corpusPrompt) {
    public Options {
      if (rangeMin < 0) throw new IllegalArgumentException("rangeMin must be ≥ 0, got " + rangeMin);
      if (rangeMax != null && rangeMax <= rangeMin) {
        throw new IllegalArgumentException("rangeMax must be greater than rangeMin " + rangeMin + ", got " + rangeMax);
      }
      if (numNegatives < 1) throw new IllegalArgumentException("numNegatives must be ≥ 1, got " + numNegatives);
      for (Double v : new Double[] {maxScore, minScore, absoluteMargin, relativeMargin}) {
        if (v != null && !Double.isFinite(v)) throw new IllegalArgumentException("scores and margins must be finite, got " + v);
      }
      if (sampling == null || outputFormat == null) throw new IllegalArgumentException("sampling and outputFormat must be set");
    }

    /** ST's defaults: 3 negatives, the top ones, as triplets, no bounds, seed 42. */
    public static Options defaults() {
      return new Options(0, null, null, null, null, null, 3, Sampling.TOP, 42, OutputFormat.TRIPLET, null, null);
    }

    public Options withRange(int min, Integer max) {
      return new Options(min, max, maxScore, minScore, absoluteMargin, relativeMargin, numNegatives, sampling, seed, outputFormat,
          queryPrompt, corpusPrompt);
    }

    public Options withScores(Double max, Double min) {
      return new Options(rangeMin, rangeMax, max, min, absoluteMargin, relativeMargin, numNegatives, sampling, seed, outputFormat,
          queryPrompt, corpusPrompt);
    }

    public Options withMargins(Double absolute, Double relative) {
      return new Options(rangeMin, rangeMax, maxScore, minScore, absolute, relative, numNegatives, sampling, seed, outputFormat,
          queryPrompt, corpusPrompt);
    }

    public Options withNegatives(int n, Sampling s, long seed) {
      return new Options(rangeMin, rangeMax, maxScore, minScore, absoluteMargin, relativeMargin, n, s, seed, outputFormat,
          queryPrompt, corpusPrompt);
    }

    public Options withOutput(OutputFormat f) {
      return new Options(rangeMin, rangeMax, maxScore, minScore, absoluteMargin, relativeMargin, numNegatives, sampling, seed, f,
          queryPrompt, corpusPrompt);
    }

    /** Prompts for the anchors and the corpus (null: the model's default, as {@code encode}). */
    public Options withPrompts(String query, String corpus) {
      return new Options(rangeMin, rangeMax, maxScore, minScore, absoluteMargin, relativeMargin, numNegatives, sampling, seed,
          outputFormat, query, corpus);
    }

    /** The rangeMax in effect for queries with at most {@code maxPositives} positives. */
    public int effectiveRangeMax(int maxPositives) {
      if (rangeMax != null) return rangeMax;
      boolean filtered = absoluteMargin != null || relativeMargin != null || maxScore != null;
      return rangeMin + (filtered ? 10 * numNegatives : numNegatives) + maxPositives;
    }
  }

  /** Per query, the chosen negatives (corpus indices, best first) and their exact scores. */
  public record Negatives(int[][] indices, double[][] scores) {}

  /** What the filters removed, over all queries (candidates within the retrieved K). */
  public record Counts(long positives, long absoluteMargin, long relativeMargin, long maxScore, long minScore) {}

  /** The mined dataset and what was skipped; {@code missing} pairs found fewer negatives than asked. */
  public record Result(Dataset dataset, Counts skipped, int pairs, int missing) {}

  private HardNegativeMiner() {}

  /**
   * Mines negatives for the (anchor, positive) pairs of {@code pairs}' first two text columns, the corpus
   * being the positives plus {@code corpus} (may be null), embedded by {@code model} with the options'
   * prompts and normalised.
   */
  public static Result mine(Dataset pairs, List<String> corpus, TextEmbedder model, Options o) {
    if (pairs.textColumns().size() < 2) {
      throw new IllegalArgumentException("dataset '" + pairs.name() + "': mining needs (anchor, positive) columns, it has "
          + pairs.textColumns());
    }
    if (pairs.size() == 0) throw new IllegalArgumentException("dataset '" + pairs.name() + "' is empty");
    LinkedHashMap<String, Integer> corpusIndex = new LinkedHashMap<>();
    if (corpus != null) for (String t : corpus) corpusIndex.putIfAbsent(t, corpusIndex.size());
    LinkedHashMap<String, Integer> queryIndex = new LinkedHashMap<>();
    int[] pairQuery = new int[pairs.size()], pairPositive = new int[pairs.size()];
    for (int r = 0; r < pairs.size(); r++) {
      pairQuery[r] = queryIndex.computeIfAbsent(pairs.text(r, 0), t -> queryIndex.size());
      pairPositive[r] = corpusIndex.computeIfAbsent(pairs.text(r, 1), t -> corpusIndex.size());
    }
    int[][] positives = positivesOf(pairQuery, pairPositive, queryIndex.size());
    List<String> queryTexts = new ArrayList<>(queryIndex.keySet()), corpusTexts = new ArrayList<>(corpusIndex.keySet());
    float[][] q = normalise(model.embed(queryTexts, o.queryPrompt()));
    float[][] c = normalise(model.embed(corpusTexts, o.corpusPrompt()));
    long[] skipped = new long[5];
    Negatives neg = mine(q, c, positives, o, skipped);

    String anchor = pairs.textColumns().get(0), positive = pairs.textColumns().get(1);
    List<String> columns = new ArrayList<>(List.of(anchor, positive));
    if (o.outputFormat() == OutputFormat.TRIPLET) columns.add("negative");
    else for (int i = 1; i <= o.numNegatives(); i++) columns.add("negative_" + i);
    List<List<?>> rows = new ArrayList<>();
    int missing = 0;
    for (int r = 0; r < pairs.size(); r++) {
      int[] chosen = neg.indices()[pairQuery[r]];
      if (chosen.length < o.numNegatives()) missing++;
      String a = pairs.text(r, 0), p = pairs.text(r, 1);
      if (o.outputFormat() == OutputFormat.TRIPLET) {
        for (int j : chosen) rows.add(List.of(a, p, corpusTexts.get(j)));
      } else if (chosen.length == o.numNegatives()) {
        List<String> row = new ArrayList<>(List.of(a, p));
        for (int j : chosen) row.add(corpusTexts.get(j));
        rows.add(row);
      }
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("no negatives were found for any of the " + pairs.size() + " pairs; widen range_max,"
          + " lower range_min, or loosen the margins and max_score");
    }
    Counts counts = new Counts(skipped[0], skipped[1], skipped[2], skipped[3], skipped[4]);
    return new Result(Dataset.of(pairs.name(), columns, rows), counts, pairs.size(), missing);
  }

  /** For each query, the corpus indices of its positives (distinct, in order of appearance). */
  public static int[][] positivesOf(int[] pairQuery, int[] pairPositive, int queries) {
    List<List<Integer>> per = new ArrayList<>();
    for (int i = 0; i < queries; i++) per.add(new ArrayList<>());
    for (int r = 0; r < pairQuery.length; r++) if (!per.get(pairQuery[r]).contains(pairPositive[r])) per.get(pairQuery[r]).add(pairPositive[r]);
    int[][] out = new int[queries][];
    for (int i = 0; i < queries; i++) out[i] = per.get(i).stream().mapToInt(Integer::intValue).toArray();
    return out;
  }

  /** The mining on embeddings: queries and corpus (both normalised for cosine), each query's positives. */
  public static Negatives mine(float[][] queries, float[][] corpus, int[][] positives, Options o) {
    return mine(queries, corpus, positives, o, new long[5]);
  }

  static Negatives mine(float[][] queries, float[][] corpus, int[][] positives, Options o, long[] skipped) {
    int maxPositives = 0;
    for (int[] p : positives) maxPositives = Math.max(maxPositives, p.length);
    int rangeMax = o.effectiveRangeMax(maxPositives);
    int k = rangeMax + maxPositives;
    BlockedTopK.Hits hits = BlockedTopK.search(queries, corpus, k + SLACK);
    int[][] outIdx = new int[queries.length][];
    double[][] outScores = new double[queries.length][];
    for (int q = 0; q < queries.length; q++) {
      // exact rescoring of the float32 candidates, then the top K of them
      int[] cand = hits.indices()[q];
      double[] exact = new double[cand.length];
      Integer[] order = new Integer[cand.length];
      for (int i = 0; i < cand.length; i++) {
        exact[i] = dot(queries[q], corpus[cand[i]]);
        order[i] = i;
      }
      Arrays.sort(order, (x, y) -> exact[x] != exact[y] ? Double.compare(exact[y], exact[x]) : Integer.compare(cand[x], cand[y]));
      int kept = Math.min(k, cand.length);
      int[] idx = new int[kept];
      double[] sc = new double[kept];
      for (int i = 0; i < kept; i++) {
        idx[i] = cand[order[i]];
        sc[i] = exact[order[i]];
      }
      double hardestPositive = Double.POSITIVE_INFINITY;
      for (int p : positives[q]) hardestPositive = Math.min(hardestPositive, dot(queries[q], corpus[p]));
      int[] chosen = select(idx, sc, positives[q], hardestPositive, rangeMax, o, q, skipped);
      outIdx[q] = new int[chosen.length];
      outScores[q] = new double[chosen.length];
      for (int i = 0; i < chosen.length; i++) {
        outIdx[q][i] = idx[chosen[i]];
        outScores[q][i] = sc[chosen[i]];
      }
    }
    return new Negatives(outIdx, outScores);
  }

  /** Steps 2–4 on one query's ranked candidates; returns positions into them, in rank order. */
  private static int[] select(int[] idx, double[] sc, int[] positives, double hardestPositive, int rangeMax, Options o, int query,
      long[] skipped) {
    int[] valid = new int[idx.length];
    int n = 0;
    for (int i = 0; i < idx.length; i++) {
      double s = sc[i];
      boolean isPositive = false;
      for (int p : positives) isPositive |= p == idx[i];
      if (isPositive) {
        skipped[0]++;
      } else if (o.absoluteMargin() != null && s + o.absoluteMargin() > hardestPositive) {
        skipped[1]++;
      } else if (o.relativeMargin() != null && s > hardestPositive * (1 - o.relativeMargin())) {
        skipped[2]++;
      } else if (o.maxScore() != null && s > o.maxScore()) {
        skipped[3]++;
      } else if (o.minScore() != null && s < o.minScore()) {
        skipped[4]++;
      } else {
        valid[n++] = i;
      }
    }
    int from = Math.min(o.rangeMin(), n), to = Math.min(rangeMax, n);
    int[] window = Arrays.copyOfRange(valid, from, to);
    return pick(window, o, query);
  }

  /** TOP: the first numNegatives; RANDOM: numNegatives drawn (partial Fisher–Yates), back in rank order. */
  static int[] pick(int[] window, Options o, int query) {
    int want = o.numNegatives();
    if (window.length <= want) return window;
    if (o.sampling() == Sampling.TOP) return Arrays.copyOf(window, want);
    int[] w = window.clone();
    SplittableRandom random = new SplittableRandom(Generator.mix(o.seed() ^ Generator.mix(query + 0x9E3779B97F4A7C15L)));
    for (int i = 0; i < want; i++) {
      int j = i + random.nextInt(w.length - i);
      int t = w[i];
      w[i] = w[j];
      w[j] = t;
    }
    int[] out = Arrays.copyOf(w, want);
    Arrays.sort(out); // positions in the window's rank order
    return out;
  }

  /** Σ_k a_k·b_k in double, k ascending. */
  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
    return s;
  }

  /** Scales each row to unit length in place (a zero row stays zero); returns {@code v}. */
  public static float[][] normalise(float[][] v) {
    for (float[] row : v) {
      double n = 0;
      for (float x : row) n += (double) x * x;
      double inv = n > 0 ? 1 / Math.sqrt(n) : 0;
      for (int j = 0; j < row.length; j++) row[j] = (float) (row[j] * inv);
    }
    return v;
  }

  /** Counts as a map, for printing. */
  public static Map<String, Long> asMap(Counts c) {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("positive", c.positives());
    m.put("absolute_margin", c.absoluteMargin());
    m.put("relative_margin", c.relativeMargin());
    m.put("max_score", c.maxScore());
    m.put("min_score", c.minScore());
    return m;
  }
}
