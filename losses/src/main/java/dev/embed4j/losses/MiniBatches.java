package dev.embed4j.losses;

import java.util.List;
import java.util.function.ToIntFunction;

/**
 * How a cached loss (GradCache) cuts each column of a batch into the mini-batches it runs the encoder on.
 * Mini-batches are contiguous runs of the column, formed greedily from its start; each holds at least one
 * input and respects every limit that is set:
 * <ul>
 *   <li>{@code miniBatchSize}: at most that many inputs (sentence-transformers' {@code mini_batch_size},
 *       default 32);
 *   <li>{@code miniBatchNumTokens}: at most that many tokens, counted as the mini-batch's padded size,
 *       inputs × its longest input's {@code tokenCount}, since the encoder pads a mini-batch to its longest
 *       input and activation memory grows with that product. An input longer than the budget is a
 *       mini-batch of its own. (sentence-transformers 5.7's {@code mini_batch_num_tokens}, default unset;
 *       the padded count also bounds the unpadded sum ST's packed attention counts.)
 * </ul>
 * The cut never changes the loss or its gradients, only peak memory and speed.
 *
 * @param <T> one input (a text, or tokenised ids)
 */
public final class MiniBatches<T> {
  private final int miniBatchSize;
  private final int miniBatchNumTokens;
  private final ToIntFunction<? super T> tokenCount;

  private MiniBatches(int miniBatchSize, int miniBatchNumTokens, ToIntFunction<? super T> tokenCount) {
    if (miniBatchSize < 1) throw new IllegalArgumentException("miniBatchSize must be ≥ 1, got " + miniBatchSize);
    if (miniBatchNumTokens < 1) {
      throw new IllegalArgumentException("miniBatchNumTokens must be ≥ 1 (a token budget per mini-batch), got "
          + miniBatchNumTokens);
    }
    if (miniBatchNumTokens != Integer.MAX_VALUE && tokenCount == null) {
      throw new IllegalArgumentException("miniBatchNumTokens " + miniBatchNumTokens
          + " needs a tokenCount function (input → its number of tokens)");
    }
    this.miniBatchSize = miniBatchSize;
    this.miniBatchNumTokens = miniBatchNumTokens;
    this.tokenCount = tokenCount;
  }

  /** At most {@code miniBatchSize} inputs a mini-batch. */
  public static <T> MiniBatches<T> ofSize(int miniBatchSize) {
    return new MiniBatches<>(miniBatchSize, Integer.MAX_VALUE, null);
  }

  /** At most {@code miniBatchNumTokens} padded tokens a mini-batch, whatever the number of inputs. */
  public static <T> MiniBatches<T> ofTokens(int miniBatchNumTokens, ToIntFunction<? super T> tokenCount) {
    return new MiniBatches<>(Integer.MAX_VALUE, miniBatchNumTokens, tokenCount);
  }

  /** Both limits at once. */
  public static <T> MiniBatches<T> of(int miniBatchSize, int miniBatchNumTokens, ToIntFunction<? super T> tokenCount) {
    return new MiniBatches<>(miniBatchSize, miniBatchNumTokens, tokenCount);
  }

  /** The input limit, {@code Integer.MAX_VALUE} when only tokens limit a mini-batch. */
  public int miniBatchSize() {
    return miniBatchSize;
  }

  /** The token limit, {@code Integer.MAX_VALUE} when unset. */
  public int miniBatchNumTokens() {
    return miniBatchNumTokens;
  }

  /**
   * The mini-batches of one column as offsets: 0 = b₀ &lt; b₁ &lt; … &lt; b_k = inputs.size(), mini-batch j
   * being inputs[b_j, b_{j+1}).
   */
  public int[] bounds(List<T> inputs) {
    int n = inputs.size();
    int[] out = new int[n + 1];
    int k = 0, from = 0;
    out[0] = 0;
    boolean byTokens = miniBatchNumTokens != Integer.MAX_VALUE;
    while (from < n) {
      int to = from + 1;
      long longest = byTokens ? tokens(inputs, from) : 0;
      while (to < n && to - from < miniBatchSize) {
        if (byTokens) {
          long next = Math.max(longest, tokens(inputs, to));
          if ((long) (to - from + 1) * next > miniBatchNumTokens) break;
          longest = next;
        }
        to++;
      }
      out[++k] = to;
      from = to;
    }
    return java.util.Arrays.copyOf(out, k + 1);
  }

  private int tokens(List<T> inputs, int i) {
    int t = tokenCount.applyAsInt(inputs.get(i));
    if (t < 0) throw new IllegalArgumentException("tokenCount gave " + t + " tokens for input " + i + "; expected ≥ 0");
    return t;
  }

  @Override
  public String toString() {
    return "MiniBatches[miniBatchSize=" + (miniBatchSize == Integer.MAX_VALUE ? "unset" : miniBatchSize)
        + ", miniBatchNumTokens=" + (miniBatchNumTokens == Integer.MAX_VALUE ? "unset" : miniBatchNumTokens) + "]";
  }
}
