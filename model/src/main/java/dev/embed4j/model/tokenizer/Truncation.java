package dev.embed4j.model.tokenizer;

/**
 * How encodings are cut to a maximum length (special tokens included), as the Hugging Face library does
 * it. {@code LONGEST_FIRST} on a pair keeps the shorter text whole when the longer one can absorb the cut,
 * else gives each half of the budget (the second the odd token).
 */
public record Truncation(int maxLength, Strategy strategy, boolean fromLeft) {
  public enum Strategy { LONGEST_FIRST, ONLY_FIRST, ONLY_SECOND }

  public static Truncation right(int maxLength) {
    return new Truncation(maxLength, Strategy.LONGEST_FIRST, false);
  }

  /** Cuts {@code a} (and {@code b}) so that, with {@code added} special tokens, they fit; returns {a, b}. */
  int[][] apply(int[] a, int[] b, int added) {
    int budget = maxLength - added;
    int total = a.length + (b == null ? 0 : b.length);
    if (total <= budget) return new int[][] {a, b};
    if (budget < 0) budget = 0;
    if (b == null) {
      if (strategy == Strategy.ONLY_SECOND) {
        throw new IllegalArgumentException("truncation strategy only_second needs a pair of texts");
      }
      return new int[][] {cut(a, budget), null};
    }
    int n1 = a.length, n2 = b.length;
    switch (strategy) {
      case ONLY_FIRST -> n1 = Math.max(0, budget - n2);
      case ONLY_SECOND -> n2 = Math.max(0, budget - n1);
      case LONGEST_FIRST -> {
        boolean swap = n1 > n2;
        int shortLen = Math.min(n1, n2), longLen;
        if (shortLen > budget) longLen = shortLen;
        else longLen = Math.max(shortLen, budget - shortLen);
        if (shortLen + longLen > budget) {
          shortLen = budget / 2;
          longLen = shortLen + budget % 2;
        }
        n1 = swap ? longLen : shortLen;
        n2 = swap ? shortLen : longLen;
      }
    }
    return new int[][] {cut(a, n1), cut(b, n2)};
  }

  private int[] cut(int[] ids, int n) {
    if (ids.length <= n) return ids;
    return fromLeft ? java.util.Arrays.copyOfRange(ids, ids.length - n, ids.length) : java.util.Arrays.copyOf(ids, n);
  }
}
