package dev.embed4j.losses;

import dev.embed4j.engine.Tensor;
import java.util.List;

/**
 * Regression of the cosine similarity onto a graded score, as sentence-transformers' CosineSimilarityLoss
 * with its default mean squared error: loss = mean_i (cos(u_i, v_i) − y_i)², y_i ∈ [−1, 1].
 */
public class CosineSimilarityLoss implements EmbeddingLoss {
  @Override
  public Tensor computeLoss(List<Tensor> embeddings, float[] labels) {
    int batch = InputChecks.embeddings(name(), embeddings, 2, 2, false);
    InputChecks.labels(name(), labels, batch, -1f, 1f);
    Tensor cos = SimilarityFunction.COSINE.paired(embeddings.get(0), embeddings.get(1));
    Tensor err = cos.sub(Tensor.of(labels, batch).to(cos.device()));
    return err.mul(err).mean();
  }
}
