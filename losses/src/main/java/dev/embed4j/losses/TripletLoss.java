package dev.embed4j.losses;

import dev.embed4j.engine.Tensor;
import java.util.List;

/**
 * The triplet loss (Schroff et al. 2015, "FaceNet: A Unified Embedding for Face Recognition and
 * Clustering"), as sentence-transformers' TripletLoss: for (anchor a_i, positive p_i, negative n_i) and a
 * distance d,
 * <pre>
 *   loss = mean_i max(0, d(a_i, p_i) − d(a_i, n_i) + margin)
 * </pre>
 * so the positive must be nearer than the negative by the margin. Defaults as sentence-transformers:
 * Euclidean distance, margin 5 (a margin in distance units, meant for unnormalised embeddings; with cosine
 * distance, in [0, 2], a margin near 0.5 is the usual choice). The Euclidean and Manhattan distances are
 * PyTorch's pairwise_distance, ‖x − y + ε‖ with ε = 1e-6, so that equal embeddings still have a gradient
 * and the values match sentence-transformers'.
 */
public class TripletLoss implements EmbeddingLoss {
  /** The distance between two embeddings, as sentence-transformers' TripletDistanceMetric. */
  public enum DistanceMetric {
    /** ‖x − y + ε‖₂. */
    EUCLIDEAN,
    /** 1 − cos(x, y). */
    COSINE,
    /** ‖x − y + ε‖₁. */
    MANHATTAN;

    /** PyTorch's pairwise_distance eps. */
    static final float EPSILON = 1e-6f;

    /** The distance of row i of x to row i of y, for [batch, dim] inputs; a [batch] tensor. */
    public Tensor distance(Tensor x, Tensor y) {
      return switch (this) {
        case EUCLIDEAN -> {
          Tensor diff = x.sub(y).add(EPSILON);
          yield diff.mul(diff).sum(-1, false).sqrt();
        }
        case COSINE -> SimilarityFunction.COSINE.paired(x, y).neg().add(1f);
        case MANHATTAN -> {
          Tensor diff = x.sub(y).add(EPSILON);
          yield diff.relu().add(diff.neg().relu()).sum(-1, false);
        }
      };
    }
  }

  private final DistanceMetric metric;
  private final float margin;

  public TripletLoss() {
    this(DistanceMetric.EUCLIDEAN, 5f);
  }

  public TripletLoss(DistanceMetric metric, float margin) {
    if (metric == null) throw new IllegalArgumentException(name() + ": the distance metric is null; use EUCLIDEAN, COSINE or MANHATTAN");
    if (!Float.isFinite(margin)) throw new IllegalArgumentException(name() + ": margin must be finite, got " + margin);
    this.metric = metric;
    this.margin = margin;
  }

  public DistanceMetric metric() {
    return metric;
  }

  public float margin() {
    return margin;
  }

  @Override
  public Tensor computeLoss(List<Tensor> embeddings, float[] labels) {
    InputChecks.embeddings(name(), embeddings, 3, 3, true);
    Tensor anchor = embeddings.get(0);
    Tensor positive = metric.distance(anchor, embeddings.get(1)), negative = metric.distance(anchor, embeddings.get(2));
    return positive.sub(negative).add(margin).relu().mean();
  }
}
