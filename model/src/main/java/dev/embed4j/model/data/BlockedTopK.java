package dev.embed4j.model.data;

import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Exact top-k inner-product search of every query against a corpus, block by block: a block of queries
 * (Q × d) times a block of the corpus (C × d)ᵀ is one engine matrix product (the packed, threaded GEMM),
 * and each query's row of that Q × C tile updates the query's running top-k, a bounded min-heap. So
 * memory is the embeddings, one Q × C tile and k entries a query, never a queries × corpus matrix.
 *
 * <p>Cost: 2·n_q·n_c·d flops in GEMM, n_q·n_c comparisons against the heap's minimum (a heap update,
 * log k, only for a score that beats it). Defaults Q = 1024, C = 4096: a 16 MiB tile. Measured through
 * {@link HardNegativeMiner} (HardNegativeMinerScaleTest) on the 2-core development machine: 100,000 ×
 * 100,000 random unit vectors of 384 dimensions (k = 68) in 94 s, about 82 GFLOP/s; peak resident memory
 * 1.56 GiB under the tests' -Xmx2g, of which about 0.5 GB is live (queries and corpus 154 MB each, the
 * corpus blocks 154 MB, the heaps 54 MB), the rest the collector's room for the tiles it frees.
 *
 * <p>The scores are float32 GEMM sums, which may order two near-equal scores differently from an exact
 * sum; callers that need exact ranks ask for a few more than they keep and rescore those exactly
 * ({@link HardNegativeMiner} does).
 */
public final class BlockedTopK {
  private BlockedTopK() {}

  /** Per query, up to k corpus indices and their scores, best first (ties: lower index first). */
  public record Hits(int[][] indices, float[][] scores) {}

  public static Hits search(float[][] queries, float[][] corpus, int k) {
    return search(queries, corpus, k, 1024, 4096);
  }

  public static Hits search(float[][] queries, float[][] corpus, int k, int queryBlock, int corpusBlock) {
    if (k < 1) throw new IllegalArgumentException("top-k search: k must be ≥ 1, got " + k);
    if (queryBlock < 1 || corpusBlock < 1) throw new IllegalArgumentException("top-k search: blocks must be ≥ 1");
    int nq = queries.length, nc = corpus.length;
    int d = nq > 0 ? queries[0].length : nc > 0 ? corpus[0].length : 0;
    int kk = Math.min(k, nc);
    float[][] heapScores = new float[nq][kk];
    int[][] heapIndices = new int[nq][kk];
    int[] sizes = new int[nq];
    if (nq == 0 || nc == 0) return finish(heapIndices, heapScores, sizes);
    List<Tensor> corpusBlocks = new ArrayList<>();
    for (int c0 = 0; c0 < nc; c0 += corpusBlock) corpusBlocks.add(rows(corpus, c0, Math.min(nc, c0 + corpusBlock), d).t());
    try (var off = Grad.off()) {
      for (int q0 = 0; q0 < nq; q0 += queryBlock) {
        int q1 = Math.min(nq, q0 + queryBlock), rows = q1 - q0;
        Tensor a = rows(queries, q0, q1, d);
        for (int b = 0; b < corpusBlocks.size(); b++) {
          int c0 = b * corpusBlock, cols = Math.min(nc, c0 + corpusBlock) - c0;
          float[] tile = a.matmul(corpusBlocks.get(b)).toFloatArray();
          final int qFrom = q0;
          IntStream.range(0, rows).parallel().forEach(r -> {
            int q = qFrom + r;
            float[] hs = heapScores[q];
            int[] hi = heapIndices[q];
            int size = sizes[q];
            for (int j = 0, at = r * cols; j < cols; j++, at++) {
              float s = tile[at];
              if (size < kk) {
                push(hs, hi, size++, s, c0 + j);
              } else if (s > hs[0]) { // indices come in increasing order: an equal score never displaces an earlier one
                replaceTop(hs, hi, kk, s, c0 + j);
              }
            }
            sizes[q] = size;
          });
        }
      }
    }
    return finish(heapIndices, heapScores, sizes);
  }

  private static Tensor rows(float[][] v, int from, int to, int d) {
    float[] flat = new float[(to - from) * d];
    for (int i = from; i < to; i++) {
      if (v[i].length != d) throw new IllegalArgumentException("top-k search: row " + i + " has " + v[i].length + " values, expected " + d);
      System.arraycopy(v[i], 0, flat, (i - from) * d, d);
    }
    return Tensor.of(flat, to - from, d);
  }

  /** Heap order: the root is the worst entry, lowest score, and among equal scores the highest index. */
  private static boolean worse(float s1, int i1, float s2, int i2) {
    return s1 < s2 || (s1 == s2 && i1 > i2);
  }

  private static void push(float[] hs, int[] hi, int size, float s, int idx) {
    int at = size;
    while (at > 0) {
      int parent = (at - 1) >>> 1;
      if (!worse(s, idx, hs[parent], hi[parent])) break;
      hs[at] = hs[parent];
      hi[at] = hi[parent];
      at = parent;
    }
    hs[at] = s;
    hi[at] = idx;
  }

  private static void replaceTop(float[] hs, int[] hi, int size, float s, int idx) {
    int at = 0;
    while (true) {
      int l = 2 * at + 1;
      if (l >= size) break;
      int r = l + 1, child = r < size && worse(hs[r], hi[r], hs[l], hi[l]) ? r : l;
      if (!worse(hs[child], hi[child], s, idx)) break;
      hs[at] = hs[child];
      hi[at] = hi[child];
      at = child;
    }
    hs[at] = s;
    hi[at] = idx;
  }

  private static Hits finish(int[][] heapIndices, float[][] heapScores, int[] sizes) {
    int nq = sizes.length;
    int[][] idx = new int[nq][];
    float[][] sc = new float[nq][];
    for (int q = 0; q < nq; q++) {
      int n = sizes[q];
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) order[i] = i;
      float[] hs = heapScores[q];
      int[] hi = heapIndices[q];
      java.util.Arrays.sort(order, (x, y) -> hs[x] != hs[y] ? Float.compare(hs[y], hs[x]) : Integer.compare(hi[x], hi[y]));
      idx[q] = new int[n];
      sc[q] = new float[n];
      for (int i = 0; i < n; i++) {
        idx[q][i] = hi[order[i]];
        sc[q][i] = hs[order[i]];
      }
      heapScores[q] = null; // let the heaps go as the result is built
      heapIndices[q] = null;
    }
    return new Hits(idx, sc);
  }
}
