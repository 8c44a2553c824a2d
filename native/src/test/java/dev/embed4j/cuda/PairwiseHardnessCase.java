package dev.embed4j.cuda;

import java.util.List;
import java.util.Random;

/**
 * A hardness penalty of the pairwise op for the tests, with a name for their messages: the arguments
 * {@link dev.embed4j.engine.backend.Backend#pairwiseLogSumExp} takes after the mask.
 */
record PairwiseHardnessCase(String name, float strength, int[] start, int[] end, int period, boolean complement) {
  static final PairwiseHardnessCase NONE = new PairwiseHardnessCase("none", 0f, null, null, 1, false);

  /**
   * Every predicate form for n rows and m columns at strength α: a row's own columns i, i + p, … (MNRL's own
   * hard negatives); their complement (its in-batch negatives); no range complemented (every off-diagonal
   * element); explicit empty ranges complemented (the same, through the range test); random plain ranges.
   */
  static List<PairwiseHardnessCase> all(int n, int m, float alpha, Random r) {
    int period = Math.max(1, Math.min(n, m) / 2 + 1);
    int[] ps = new int[n], pe = new int[n], es = new int[n], rs = new int[n], re = new int[n];
    for (int i = 0; i < n; i++) {
      ps[i] = i % period;
      pe[i] = ps[i] + 1;
      es[i] = r.nextInt(m + 1);
      rs[i] = r.nextInt(m + 1);
      re[i] = rs[i] + r.nextInt(m - rs[i] + 1);
    }
    return List.of(new PairwiseHardnessCase("own every " + period, alpha, ps, pe, period, false),
        new PairwiseHardnessCase("not own every " + period, alpha, ps, pe, period, true),
        new PairwiseHardnessCase("all", alpha, null, null, Integer.MAX_VALUE, true),
        new PairwiseHardnessCase("empty ranges complemented", alpha, es, es.clone(), Integer.MAX_VALUE, true),
        new PairwiseHardnessCase("ranges", alpha, rs, re, Integer.MAX_VALUE, false));
  }
}
