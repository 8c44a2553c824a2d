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
}
