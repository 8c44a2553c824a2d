/**
 * The losses of sentence-transformers as functions of embedding tensors: MultipleNegativesRankingLoss and
 * its symmetric form, their cached (GradCache) variants, GISTEmbedLoss, CoSENT, AnglE, CosineSimilarity,
 * Triplet, MarginMSE and Matryoshka. The contrastive ones run on the fused pairwise log-sum-exp, which never
 * holds the batch similarity matrix. {@link dev.embed4j.losses.EncoderLoss} adapts an
 * {@link dev.embed4j.losses.EmbeddingLoss} to an encoder through the small
 * {@link dev.embed4j.losses.Embedder} interface, so this module never needs the model.
 */
package dev.embed4j.losses;
