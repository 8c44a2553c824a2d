/**
 * Evaluators: retrieval ({@link dev.embed4j.model.eval.InformationRetrievalEvaluator}: MRR@10, NDCG@10,
 * Recall@k) and graded similarity ({@link dev.embed4j.model.eval.EmbeddingSimilarityEvaluator}: Spearman),
 * over any {@link dev.embed4j.model.eval.TextEmbedder}.
 */
package dev.embed4j.model.eval;
