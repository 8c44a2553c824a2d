package dev.embed4j.losses;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The Matryoshka sum shared by {@link MatryoshkaLoss} and {@link CachedMatryoshkaLoss}:
 * Σ_{k ∈ S} weights[k]·inner(embeddings[:, :dims[k]]), where S is every dimension, or, with
 * {@code nDimsPerStep} n &lt; dims.length, n of them drawn without replacement for each call from
 * {@code random}, or, when that is null, from the generator the call is given (the training step's, which
 * a checkpoint holds): either way a run that restores the generator's state draws the same subsets.
 */
final class MatryoshkaDims {
  private final String loss;
  private final int[] dims;
  private final float[] weights;
  private final int nDimsPerStep;
  private final Generator random;

  MatryoshkaDims(String loss, int[] dims, float[] weights, int nDimsPerStep, Generator random) {
    if (dims == null || dims.length == 0) throw new IllegalArgumentException(loss + ": at least one dimension is needed");
    for (int d : dims) if (d < 1) throw new IllegalArgumentException(loss + ": dimensions must be ≥ 1, got " + Arrays.toString(dims));
    if (weights != null && weights.length != dims.length) {
      throw new IllegalArgumentException(loss + ": " + weights.length + " weights for " + dims.length + " dimensions");
    }
    if (nDimsPerStep == 0 || nDimsPerStep < -1) {
      throw new IllegalArgumentException(loss + ": nDimsPerStep must be ≥ 1, or -1 for all dimensions, got " + nDimsPerStep);
    }
    this.loss = loss;
    this.dims = dims.clone();
    this.weights = weights == null ? null : weights.clone();
    this.nDimsPerStep = nDimsPerStep;
    this.random = random;
  }

  int[] dims() {
    return dims.clone();
  }

  /**
   * The indices into dims used by one step, ascending; draws from the own generator, else from
   * {@code callRandom}, and only when subsetting.
   */
  int[] drawStep(Generator callRandom) {
    int n = dims.length;
    if (nDimsPerStep < 0 || nDimsPerStep >= n) {
      int[] all = new int[n];
      for (int i = 0; i < n; i++) all[i] = i;
      return all;
    }
    Generator random = this.random != null ? this.random : callRandom;
    if (random == null) {
      throw new IllegalArgumentException(loss + ": nDimsPerStep " + nDimsPerStep + " of " + n + " dimensions needs a"
          + " Generator to draw them from: give one to the loss, or call it with the training step's generator");
    }
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) idx[i] = i;
    for (int i = 0; i < nDimsPerStep; i++) { // partial Fisher–Yates
      int j = i + (int) Long.remainderUnsigned(random.nextSeed(), n - i);
      int t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    int[] chosen = Arrays.copyOf(idx, nDimsPerStep);
    Arrays.sort(chosen);
    return chosen;
  }

  /** The weighted sum over the dimensions {@code chosen} (indices into dims, from {@link #drawStep}). */
  Tensor sum(List<Tensor> embeddings, Function<List<Tensor>, Tensor> inner, int[] chosen) {
    if (embeddings == null || embeddings.isEmpty()) throw new IllegalArgumentException(loss + ": no embedding columns");
    Tensor total = null;
    for (int k : chosen) {
      List<Tensor> truncated = new ArrayList<>();
      for (int c = 0; c < embeddings.size(); c++) {
        Tensor e = embeddings.get(c);
        if (e.dim() != 2 || e.size(1) < dims[k]) {
          throw new IllegalArgumentException(loss + ": column " + c + " has shape " + Arrays.toString(e.shape())
              + ", too narrow for the Matryoshka dimension " + dims[k]);
        }
        truncated.add(e.size(1) == dims[k] ? e : e.slice(1, 0, dims[k]));
      }
      Tensor l = inner.apply(truncated);
      if (weights != null) l = l.mul(weights[k]);
      total = total == null ? l : total.add(l);
    }
    return total;
  }
}
