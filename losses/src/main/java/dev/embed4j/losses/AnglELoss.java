package dev.embed4j.losses;

import dev.embed4j.engine.Tensor;
import java.util.List;

/**
 * AnglE (Li and Li 2024, "AnglE-optimized Text Embeddings", arXiv 2309.12871), as sentence-transformers'
 * AnglELoss: {@link CoSENTLoss} on an angle similarity instead of the cosine, whose gradient vanishes near
 * ±1 (the saturation zones the paper names). Each embedding is read as a complex vector, the first half of
 * its dimensions the real parts and the second half the imaginary parts (an odd dimension gets a zero
 * appended), x = a + ib and y = c + id; the similarity sums the real and imaginary parts of the
 * element-wise quotient x/y, normalised, and takes the absolute value:
 * <pre>
 *   angle(x, y) = | Σ_k (a_k c_k + b_k d_k + b_k c_k − a_k d_k) | / (‖x‖·‖y‖)
 *   loss = log( 1 + Σ_{(i, j): y_i &lt; y_j} exp(scale·(angle_i − angle_j)) )
 * </pre>
 * (the quotient's real part (ac + bd)/|y_k|² and imaginary part (bc − ad)/|y_k|², scaled by ‖y‖/‖x‖ as
 * sentence-transformers' pairwise_angle_sim does, sum to the numerator over ‖x‖·‖y‖). Default scale 20.
 */
public class AnglELoss extends CoSENTLoss {
  public AnglELoss() {
    this(20f);
  }

  public AnglELoss(float scale) {
    super(scale, SimilarityFunction.COSINE);
  }

  @Override
  protected Tensor pairSimilarity(Tensor x, Tensor y) {
    return angle(x, y);
  }

  /** angle(x_i, y_i) for [batch, dim] inputs; a [batch] tensor. */
  static Tensor angle(Tensor x, Tensor y) {
    int dim = x.size(1), half = (dim + 1) / 2;
    Tensor a = x.slice(1, 0, half), b = imaginary(x, half), c = y.slice(1, 0, half), d = imaginary(y, half);
    Tensor numerator = a.mul(c.sub(d)).add(b.mul(c.add(d))).sum(-1, false);
    Tensor norms = x.mul(x).sum(-1, false).mul(y.mul(y).sum(-1, false)).sqrt();
    Tensor signed = numerator.div(norms);
    return signed.relu().add(signed.neg().relu());
  }

  /** The second half of the dimensions, a zero appended when their count is odd. */
  private static Tensor imaginary(Tensor x, int half) {
    int dim = x.size(1);
    Tensor b = x.slice(1, half, dim);
    return dim % 2 == 0 ? b : Tensor.concat(List.of(b, Tensor.zeros(x.device(), x.size(0), 1)), 1);
  }
}
