package dev.embed4j.model.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Retrieval quality, with sentence-transformers' InformationRetrievalEvaluator definitions (cosine
 * similarity, binary relevance), averaged over queries:
 * <ul>
 *   <li>MRR@k: 1 / rank of the first relevant document within the top k, else 0;
 *   <li>NDCG@k: DCG = Σ_{rank r ≤ k, relevant} 1/log2(r + 1), divided by the ideal DCG of min(k, #relevant) hits;
 *   <li>Recall@k: relevant documents in the top k / all relevant documents;
 *   <li>MAP@k: Σ over relevant hits in the top k of precision at that rank, / min(k, #relevant);
 *   <li>Accuracy@k: 1 if any relevant document is in the top k.
 * </ul>
 * Queries get {@code queryPrompt} (e.g. "query: "), documents {@code corpusPrompt}. The primary metric
 * is NDCG@10, as in ST.
 */
public final class InformationRetrievalEvaluator implements Evaluator {
  private final String name;
  private final List<String> queryIds, queryTexts, corpusIds, corpusTexts;
  private final Map<String, Set<String>> relevant;
  private final String queryPrompt, corpusPrompt;

  public InformationRetrievalEvaluator(String name, Map<String, String> queries, Map<String, String> corpus,
      Map<String, Set<String>> relevant, String queryPrompt, String corpusPrompt) {
    this.name = name;
    this.queryIds = new ArrayList<>();
    this.queryTexts = new ArrayList<>();
    for (var e : queries.entrySet()) {
      Set<String> rel = relevant.get(e.getKey());
      if (rel == null || rel.isEmpty()) continue; // as sentence-transformers: queries without relevant docs are skipped
      queryIds.add(e.getKey());
      queryTexts.add(e.getValue());
    }
    if (queryIds.isEmpty()) throw new IllegalArgumentException(name + ": no query has a relevant document");
    this.corpusIds = new ArrayList<>(corpus.keySet());
    this.corpusTexts = new ArrayList<>(corpus.values());
    for (String q : queryIds) {
      for (String d : relevant.get(q)) {
        if (!corpus.containsKey(d)) throw new IllegalArgumentException(name + ": query " + q + " names document " + d + ", which the corpus lacks");
      }
    }
    this.relevant = relevant;
    this.queryPrompt = queryPrompt == null ? "" : queryPrompt;
    this.corpusPrompt = corpusPrompt == null ? "" : corpusPrompt;
  }

  /**
   * Retrieval over (query, document) pairs, as {@code embed4j eval} reads an anchor/positive file: query i's
   * one relevant document is its own positive, among all distinct positives.
   */
  public static InformationRetrievalEvaluator fromPairs(String name, List<String> queries, List<String> documents,
      String queryPrompt, String corpusPrompt) {
    if (queries.size() != documents.size()) {
      throw new IllegalArgumentException(name + ": " + queries.size() + " queries but " + documents.size() + " documents");
    }
    Map<String, String> q = new LinkedHashMap<>(), corpus = new LinkedHashMap<>();
    Map<String, Set<String>> relevant = new java.util.HashMap<>();
    Map<String, String> docIds = new java.util.HashMap<>();
    for (int i = 0; i < queries.size(); i++) {
      String doc = documents.get(i);
      String id = docIds.computeIfAbsent(doc, k -> "d" + docIds.size());
      corpus.put(id, doc);
      q.put("q" + i, queries.get(i));
      relevant.put("q" + i, Set.of(id));
    }
    return new InformationRetrievalEvaluator(name, q, corpus, relevant, queryPrompt, corpusPrompt);
  }

  /** {@code <name>_cosine_ndcg@10}. */
  @Override
  public String primaryMetric() {
    return name + "_cosine_ndcg@10";
  }

  @Override
  public Map<String, Double> evaluate(TextEmbedder model) {
    float[][] q = normalise(model.embed(queryTexts, queryPrompt));
    float[][] c = normalise(model.embed(corpusTexts, corpusPrompt));
    List<List<String>> rankings = new ArrayList<>();
    int top = Math.min(100, c.length);
    for (float[] qv : q) {
      PriorityQueue<double[]> heap = new PriorityQueue<>((a, b) -> Double.compare(a[0], b[0]));
      for (int d = 0; d < c.length; d++) {
        double s = 0;
        for (int i = 0; i < qv.length; i++) s += (double) qv[i] * c[d][i];
        if (heap.size() < top) heap.add(new double[] {s, d});
        else if (s > heap.peek()[0]) {
          heap.poll();
          heap.add(new double[] {s, d});
        }
      }
      List<double[]> sorted = new ArrayList<>(heap);
      sorted.sort((a, b) -> a[0] != b[0] ? Double.compare(b[0], a[0]) : Double.compare(a[1], b[1]));
      List<String> ids = new ArrayList<>();
      for (double[] e : sorted) ids.add(corpusIds.get((int) e[1]));
      rankings.add(ids);
    }
    return metrics(rankings);
  }

  /** The metrics of given rankings (corpus ids, best first) of each query; public for testing. */
  public Map<String, Double> metrics(List<List<String>> rankings) {
    int[] ks = {1, 5, 10};
    double mrr10 = 0, ndcg10 = 0, map100 = 0;
    double[] recall = new double[ks.length], accuracy = new double[ks.length];
    for (int qi = 0; qi < queryIds.size(); qi++) {
      Set<String> rel = relevant.get(queryIds.get(qi));
      List<String> ranked = rankings.get(qi);
      for (int r = 0; r < Math.min(10, ranked.size()); r++) {
        if (rel.contains(ranked.get(r))) {
          mrr10 += 1.0 / (r + 1);
          break;
        }
      }
      double dcg = 0, idcg = 0;
      for (int r = 0; r < Math.min(10, ranked.size()); r++) if (rel.contains(ranked.get(r))) dcg += 1 / log2(r + 2);
      for (int r = 0; r < Math.min(10, rel.size()); r++) idcg += 1 / log2(r + 2);
      ndcg10 += dcg / idcg;
      for (int i = 0; i < ks.length; i++) {
        int hits = 0;
        for (int r = 0; r < Math.min(ks[i], ranked.size()); r++) if (rel.contains(ranked.get(r))) hits++;
        recall[i] += (double) hits / rel.size();
        accuracy[i] += hits > 0 ? 1 : 0;
      }
      double sumPrec = 0;
      int hits = 0;
      for (int r = 0; r < Math.min(100, ranked.size()); r++) {
        if (rel.contains(ranked.get(r))) {
          hits++;
          sumPrec += (double) hits / (r + 1);
        }
      }
      map100 += sumPrec / Math.min(100, rel.size());
    }
    int n = queryIds.size();
    Map<String, Double> out = new LinkedHashMap<>();
    out.put(name + "_cosine_mrr@10", mrr10 / n);
    out.put(name + "_cosine_ndcg@10", ndcg10 / n);
    for (int i = 0; i < ks.length; i++) out.put(name + "_cosine_recall@" + ks[i], recall[i] / n);
    for (int i = 0; i < ks.length; i++) out.put(name + "_cosine_accuracy@" + ks[i], accuracy[i] / n);
    out.put(name + "_cosine_map@100", map100 / n);
    return out;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }

  private static float[][] normalise(float[][] v) {
    float[][] out = new float[v.length][];
    for (int i = 0; i < v.length; i++) {
      double n = 0;
      for (float f : v[i]) n += (double) f * f;
      double inv = 1 / Math.max(Math.sqrt(n), 1e-12);
      out[i] = new float[v[i].length];
      for (int j = 0; j < v[i].length; j++) out[i][j] = (float) (v[i][j] * inv);
    }
    return out;
  }
}
