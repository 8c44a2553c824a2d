package dev.embed4j.losses;

import dev.embed4j.engine.Tensor;

/**
 * How two embeddings are compared, by sentence-transformers' names ({@code similarity_fn_name}): cosine
 * (the default), dot, and the negated euclidean and manhattan distances (so that higher always means more
 * similar). The one similarity of the project: a model's configured function
 * ({@code SentenceEncoder.similarity}), the evaluators' and the losses'.
 *
 * <p>On float arrays every function is defined ({@link #apply}, {@link #matrix}, {@link #pairwise}). On
 * tensors, for the losses, only the two that are a dot product of prepared rows are ({@link #prepare},
 * {@link #paired}): cosine and dot, see {@link #isDotProduct()}.
 */
public enum SimilarityFunction {
  COSINE("cosine"), DOT("dot"), EUCLIDEAN("euclidean"), MANHATTAN("manhattan");

  /** The sentence-transformers name, as in {@code config_sentence_transformers.json}. */
  public final String stName;

  SimilarityFunction(String stName) {
    this.stName = stName;
  }

  /** The function of the sentence-transformers name {@code name}. */
  public static SimilarityFunction of(String name) {
    for (SimilarityFunction f : values()) if (f.stName.equals(name)) return f;
    throw new IllegalArgumentException("unknown similarity function '" + name + "'; known: cosine, dot, euclidean, manhattan");
  }

  /**
   * Whether the similarity is the dot product of rows prepared one by one (cosine: unit rows; dot: the rows
   * as they are), which the losses' fused A·Bᵀ kernels need.
   */
  public boolean isDotProduct() {
    return this == COSINE || this == DOT;
  }

  /** Rows made ready for a dot product: unit length for cosine, unchanged for dot. */
  public Tensor prepare(Tensor embeddings) {
    return switch (this) {
      case COSINE -> embeddings.l2Normalize();
      case DOT -> embeddings;
      case EUCLIDEAN, MANHATTAN -> throw new UnsupportedOperationException(stName
          + " similarity is not a dot product of prepared rows; the losses take cosine or dot");
    };
  }

  /** Similarity of row i of a with row i of b, for [batch, dim] inputs; a [batch] tensor. Cosine and dot only. */
  public Tensor paired(Tensor a, Tensor b) {
    return prepare(a).mul(prepare(b)).sum(-1, false);
  }

  /** The similarity of {@code a} and {@code b}, in float. */
  public float apply(float[] a, float[] b) {
    return (float) applyAsDouble(a, b);
  }

  /** The similarity of {@code a} and {@code b}, accumulated and returned in double. */
  public double applyAsDouble(float[] a, float[] b) {
    if (a.length != b.length) throw new IllegalArgumentException("embeddings of " + a.length + " and " + b.length + " dimensions");
    double acc = 0, na = 0, nb = 0;
    for (int i = 0; i < a.length; i++) {
      switch (this) {
        case COSINE -> {
          acc += (double) a[i] * b[i];
          na += (double) a[i] * a[i];
          nb += (double) b[i] * b[i];
        }
        case DOT -> acc += (double) a[i] * b[i];
        case EUCLIDEAN -> acc += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
        case MANHATTAN -> acc += Math.abs((double) a[i] - b[i]);
      }
    }
    return switch (this) {
      case COSINE -> acc / Math.max(Math.sqrt(na) * Math.sqrt(nb), 1e-8);
      case DOT -> acc;
      case EUCLIDEAN -> -Math.sqrt(acc);
      case MANHATTAN -> -acc;
    };
  }

  /**
   * The [a.length, b.length] matrix of {@link #apply} over every row of {@code a} and every row of
   * {@code b}, as sentence-transformers' {@code model.similarity(a, b)}.
   */
  public float[][] matrix(float[][] a, float[][] b) {
    checkWidths(a, b);
    float[][] out = new float[a.length][b.length];
    for (int i = 0; i < a.length; i++) for (int j = 0; j < b.length; j++) out[i][j] = apply(a[i], b[j]);
    return out;
  }

  /** {@link #apply} of each row of {@code a} with the same row of {@code b}, as {@code similarity_pairwise}. */
  public float[] pairwise(float[][] a, float[][] b) {
    if (a.length != b.length) throw new IllegalArgumentException("pairwise similarity of " + a.length + " and " + b.length + " rows");
    checkWidths(a, b);
    float[] out = new float[a.length];
    for (int i = 0; i < a.length; i++) out[i] = apply(a[i], b[i]);
    return out;
  }

  private static void checkWidths(float[][] a, float[][] b) {
    int width = a.length > 0 ? a[0].length : b.length > 0 ? b[0].length : 0;
    for (int i = 0; i < a.length; i++) {
      if (a[i].length != width) throw new IllegalArgumentException("row " + i + " of a has " + a[i].length + " dimensions, expected " + width);
    }
    for (int j = 0; j < b.length; j++) {
      if (b[j].length != width) throw new IllegalArgumentException("row " + j + " of b has " + b[j].length + " dimensions, expected " + width);
    }
  }
}
