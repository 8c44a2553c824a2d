package dev.embed4j.cuda;

import java.util.List;
import java.util.Random;

/** A mask of the pairwise op for the tests, with a name for their messages (null arrays: no mask). */
record PairwiseMaskCase(String name, int[] start, int[] end, int period) {
  /**
   * Every form for n rows and m columns: none; the diagonal (self-similarities); random column ranges, with
   * row 0 excluding every column (its rowLse is −∞ and its gradient 0); and every column ≡ i (mod m / 3),
   * the form that leaves out a document's own positive and hard negatives.
   */
  static List<PairwiseMaskCase> all(int n, int m, Random r) {
    int period = Math.max(1, m / 3);
    int[] ds = new int[n], de = new int[n], rs = new int[n], re = new int[n], ps = new int[n], pe = new int[n];
    for (int i = 0; i < n; i++) {
      ds[i] = Math.min(i, m);
      de[i] = Math.min(i + 1, m);
      rs[i] = r.nextInt(m + 1);
      re[i] = rs[i] + r.nextInt(m - rs[i] + 1);
      ps[i] = i % period;
      pe[i] = ps[i] + 1;
    }
    rs[0] = 0;
    re[0] = m;
    return List.of(new PairwiseMaskCase("none", null, null, 1), new PairwiseMaskCase("diagonal", ds, de, Integer.MAX_VALUE),
        new PairwiseMaskCase("ranges", rs, re, Integer.MAX_VALUE), new PairwiseMaskCase("every " + period, ps, pe, period));
  }
}
