package dev.embed4j.losses;

import dev.embed4j.engine.Tensor;
import java.util.List;

/**
 * CoSENT (Su 2022; Huang et al. 2024, "AnglE"), as sentence-transformers' CoSENTLoss: for pairs
 * (u_i, v_i) with graded scores y_i and s_i = scale·cos(u_i, v_i),
 * <pre>
 *   loss = log( 1 + Σ_{(i, j): y_i &lt; y_j} exp(s_i − s_j) )
 * </pre>
 * a ranking loss that only uses the order of the scores, so any finite scores will do. Default scale 20.
 */
public class CoSENTLoss implements EmbeddingLoss {
  private final float scale;
  private final SimilarityFunction similarity;

  public CoSENTLoss() {
    this(20f, SimilarityFunction.COSINE);
  }

  public CoSENTLoss(float scale, SimilarityFunction similarity) {
    if (!(scale > 0) || !Float.isFinite(scale)) {
      throw new IllegalArgumentException(name() + ": scale must be a positive number, got " + scale);
    }
    InputChecks.dotProductSimilarity(name(), similarity);
    this.scale = scale;
    this.similarity = similarity;
  }

  public float scale() {
    return scale;
  }

  /** The similarity of row i of u with row i of v, a [batch] tensor; {@link AnglELoss} puts its angle here. */
  protected Tensor pairSimilarity(Tensor u, Tensor v) {
    return similarity.paired(u, v);
  }

  @Override
  public Tensor computeLoss(List<Tensor> embeddings, float[] labels) {
    int batch = InputChecks.embeddings(name(), embeddings, 2, 2, false);
    InputChecks.labels(name(), labels, batch, -Float.MAX_VALUE, Float.MAX_VALUE);
    Tensor s = pairSimilarity(embeddings.get(0), embeddings.get(1)).mul(scale);
    Tensor diff = s.reshape(batch, 1).sub(s.reshape(1, batch)).reshape(1, batch * batch);
    float[] excluded = new float[1 + batch * batch];
    for (int i = 0; i < batch; i++) {
      for (int j = 0; j < batch; j++) excluded[1 + i * batch + j] = labels[i] < labels[j] ? 0f : 1f;
    }
    // The leading 0 is the "1 +" inside the log.
    Tensor terms = Tensor.concat(List.of(Tensor.zeros(s.device(), 1, 1), diff), 1)
        .maskedFill(Tensor.of(excluded, 1, 1 + batch * batch).to(s.device()), Float.NEGATIVE_INFINITY);
    return LogSumExp.rows(terms).reshape();
  }
}
