package dev.embed4j.losses;

/**
 * Which query→doc logits {@link MultipleNegativesRankingLoss} raises by its hardness penalty
 * α·sg(sim(q_i, D_j)), as sentence-transformers 5.3 names the modes ({@code hardness_mode}). For a batch of B
 * rows and the documents D = [d⁺; d⁻₁; …; d⁻ₖ] ((k+1)·B rows), document j belongs to query i when
 * j mod B = i; the positive (j = i) is never penalised. A null mode is no penalty.
 */
public enum HardnessMode {
  /**
   * Every document of another row (j mod B ≠ i): the other rows' positives and hard negatives. Lan et al.
   * 2025, LLaVE, Eq. 5, who use α = 9.
   */
  IN_BATCH_NEGATIVES,
  /**
   * The row's own hard negatives only (j ≥ B, j mod B = i); with pairs alone it changes nothing. Schechter
   * Vera et al. 2025, EmbeddingGemma, who use α = 5.
   */
  HARD_NEGATIVES,
  /** Every document but the positive (j ≠ i): both of the above. */
  ALL_NEGATIVES
}
