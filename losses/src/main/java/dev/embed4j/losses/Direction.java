package dev.embed4j.losses;

/**
 * The interaction terms of {@link MultipleNegativesRankingLoss}, as sentence-transformers 5.3 names them.
 * For a batch of B (query q_i, document d_i, hard negatives…) rows:
 * <ul>
 *   <li>{@code QUERY_TO_DOC}: q_i against every document of the batch, positives and hard negatives
 *       (always present: it holds the positive pair);
 *   <li>{@code QUERY_TO_QUERY}: q_i against every other query (q_i itself is masked);
 *   <li>{@code DOC_TO_QUERY}: the positive d_i against every query;
 *   <li>{@code DOC_TO_DOC}: the positive d_i against every document except those of row i (its own
 *       positive and hard negatives are masked).
 * </ul>
 */
public enum Direction {
  QUERY_TO_DOC,
  QUERY_TO_QUERY,
  DOC_TO_QUERY,
  DOC_TO_DOC
}
