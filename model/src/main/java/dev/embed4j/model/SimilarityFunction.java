package dev.embed4j.model;

/**
 * How two embeddings are compared, by sentence-transformers' names: cosine, dot, and the negated
 * euclidean and manhattan distances (so that higher always means more similar).
 */
public enum SimilarityFunction {
  COSINE("cosine"), DOT("dot"), EUCLIDEAN("euclidean"), MANHATTAN("manhattan");

  public final String stName;

  SimilarityFunction(String stName) {
    this.stName = stName;
  }

  public static SimilarityFunction of(String name) {
    for (SimilarityFunction f : values()) if (f.stName.equals(name)) return f;
    throw new IllegalArgumentException("unknown similarity function '" + name + "'; known: cosine, dot, euclidean, manhattan");
  }

  public float apply(float[] a, float[] b) {
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
    return (float) switch (this) {
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
