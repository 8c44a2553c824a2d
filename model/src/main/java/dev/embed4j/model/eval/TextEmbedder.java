package dev.embed4j.model.eval;

import java.util.List;

/** What an evaluator needs of a model: embeddings for texts, each given the same prompt ("" for none). */
@FunctionalInterface
public interface TextEmbedder {
  float[][] embed(List<String> texts, String prompt);
}
