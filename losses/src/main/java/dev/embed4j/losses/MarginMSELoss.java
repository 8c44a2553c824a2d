package dev.embed4j.losses;

import dev.embed4j.engine.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Margin-MSE distillation (Hofstätter et al. 2020, "Improving Efficient Neural Ranking Models with
 * Cross-Architecture Knowledge Distillation"), as sentence-transformers' MarginMSELoss: a teacher (usually a
 * cross-encoder) scored each (query, positive) and (query, negative) pair, and the student learns the
 * teacher's margins rather than its scores, which need not be on the student's scale:
 * <pre>
 *   loss = mean_{i, k} ( (sim(q_i, p_i) − sim(q_i, n_ik)) − (T(q_i, p_i) − T(q_i, n_ik)) )²
 * </pre>
 * Columns: query, positive, then k ≥ 1 negatives. Labels are the teacher margins T(q, p) − T(q, n), one per
 * example and negative, row-major: B of them for one negative, B·k for k (label i·k + j belongs to negative j
 * of example i). Default similarity: the dot product, as sentence-transformers (cross-encoder margins are
 * unbounded, cosine similarities are not).
 */
public class MarginMSELoss implements EmbeddingLoss {
  private final SimilarityFunction similarity;

  public MarginMSELoss() {
    this(SimilarityFunction.DOT);
  }

  public MarginMSELoss(SimilarityFunction similarity) {
    InputChecks.dotProductSimilarity(name(), similarity);
    this.similarity = similarity;
  }

  public SimilarityFunction similarity() {
    return similarity;
  }

  @Override
  public Tensor computeLoss(List<Tensor> embeddings, float[] labels) {
    int batch = InputChecks.embeddings(name(), embeddings, 3, Integer.MAX_VALUE, true);
    int negatives = embeddings.size() - 2;
    if (labels == null || labels.length != batch * negatives) {
      throw new IllegalArgumentException(name() + ": needs one teacher margin T(q, p) − T(q, n) per example and negative, "
          + batch + " × " + negatives + " = " + batch * negatives + " labels (row-major), got "
          + (labels == null ? "none" : labels.length));
    }
    for (int i = 0; i < labels.length; i++) {
      if (!Float.isFinite(labels[i])) {
        throw new IllegalArgumentException(name() + ": teacher margin (label) " + labels[i] + " of example " + i / negatives
            + ", negative " + i % negatives + " is not finite");
      }
    }
    Tensor query = embeddings.get(0);
    Tensor positive = similarity.paired(query, embeddings.get(1)).reshape(batch, 1);
    List<Tensor> margins = new ArrayList<>();
    for (int c = 2; c < embeddings.size(); c++) {
      margins.add(positive.sub(similarity.paired(query, embeddings.get(c)).reshape(batch, 1)));
    }
    Tensor predicted = margins.size() == 1 ? margins.get(0) : Tensor.concat(margins, 1);
    Tensor error = predicted.sub(Tensor.of(labels.clone(), batch, negatives).to(predicted.device()));
    return error.mul(error).mean();
  }
}
