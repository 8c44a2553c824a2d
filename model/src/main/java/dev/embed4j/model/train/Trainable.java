package dev.embed4j.model.train;

import dev.embed4j.engine.Tensor;
import dev.embed4j.losses.Embedder;
import dev.embed4j.model.ModelCardData;
import dev.embed4j.model.data.PromptedText;
import dev.embed4j.model.eval.TextEmbedder;
import java.nio.file.Path;
import java.util.LinkedHashMap;

/** What the {@link Trainer} needs of a model; the sentence encoder implements it. */
public interface Trainable {
  /** Every trainable parameter under its weight name, in a stable order. */
  LinkedHashMap<String, Tensor> namedParameters();

  /** Embeds texts with a graph (when recording is on), drawing dropout masks from the generator in training mode. */
  Embedder<PromptedText> embedder();

  /** Embeds texts for evaluation: no graph, no dropout. */
  TextEmbedder textEmbedder();

  /** Dropout on (training) or off. */
  void setTraining(boolean training);

  /** Writes the model folder (weights, config, tokenizer). */
  void save(Path folder);

  /** Replaces the weights with those of a model folder written by {@link #save}. */
  void loadWeights(Path folder);

  /** What the trainer records for the model card that {@link #save} writes, or null for a model without one. */
  default ModelCardData modelCardData() {
    return null;
  }
}
