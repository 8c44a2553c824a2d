package dev.embed4j.model.eval;

import java.util.List;

/**
 * What an evaluator needs of a model: embeddings for texts, each given the same prompt text ("" when the
 * evaluator sets none, which a model with a default prompt replaces by it, as sentence-transformers does).
 */
@FunctionalInterface
public interface TextEmbedder {
  float[][] embed(List<String> texts, String prompt);
}
