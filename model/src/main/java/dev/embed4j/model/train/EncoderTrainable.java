package dev.embed4j.model.train;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Tensor;
import dev.embed4j.losses.Embedder;
import dev.embed4j.model.ModelCardData;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.data.PromptedText;
import dev.embed4j.model.eval.TextEmbedder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/** A {@link SentenceEncoder} as the {@link Trainer} sees it; training updates the encoder's own tensors. */
public final class EncoderTrainable implements Trainable {
  private final SentenceEncoder encoder;
  private volatile boolean training;

  public EncoderTrainable(SentenceEncoder encoder) {
    this.encoder = encoder;
  }

  public SentenceEncoder encoder() {
    return encoder;
  }

  @Override
  public LinkedHashMap<String, Tensor> namedParameters() {
    return new LinkedHashMap<>(encoder.namedParameters());
  }

  /**
   * Embeds one column: every text of a column carries the same prompt (prompts are per dataset and
   * column), so the whole list is one forward pass whose pooling knows the prompt's length.
   */
  @Override
  public Embedder<PromptedText> embedder() {
    return (inputs, random) -> {
      if (inputs.isEmpty()) throw new IllegalArgumentException("embedder: empty batch");
      String prompt = inputs.get(0).prompt();
      List<String> texts = new ArrayList<>(inputs.size());
      for (PromptedText p : inputs) {
        if (!p.prompt().equals(prompt)) {
          throw new IllegalArgumentException("embedder: one batch column mixes the prompts '" + prompt + "' and '"
              + p.prompt() + "'; prompts are set per dataset and column");
        }
        texts.add(p.text());
      }
      return encoder.forward(texts, prompt, training, random);
    };
  }

  /**
   * The tokens of one input as the encoder sees it (prompt + text, special tokens included, truncated):
   * what a cached loss's token budget ({@code MiniBatches.ofTokens(budget, model.tokenCount())}) counts.
   * It tokenises each text once more than the forward pass does.
   */
  public ToIntFunction<PromptedText> tokenCount() {
    return p -> encoder.tokenizer().encode(p.full()).length();
  }

  /** Evaluation embeddings; an evaluator's "" (no prompt set) gets the model's default prompt, as in {@code encode}. */
  @Override
  public TextEmbedder textEmbedder() {
    return (texts, prompt) -> {
      try (var g = Grad.off()) {
        return encoder.encode(texts, prompt == null || prompt.isEmpty() ? null : prompt);
      }
    };
  }

  @Override
  public ModelCardData modelCardData() {
    return encoder.modelCardData();
  }

  @Override
  public void setTraining(boolean training) {
    this.training = training;
  }

  @Override
  public void save(Path folder) {
    try {
      encoder.save(folder);
    } catch (IOException e) {
      throw new UncheckedIOException("saving the model to " + folder + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void loadWeights(Path folder) {
    SentenceEncoder saved;
    try {
      saved = SentenceEncoder.load(folder);
    } catch (IOException e) {
      throw new UncheckedIOException("loading weights from " + folder + ": " + e.getMessage(), e);
    }
    Map<String, Tensor> from = saved.namedParameters();
    for (var e : encoder.namedParameters().entrySet()) {
      Tensor t = from.get(e.getKey());
      if (t == null) throw new IllegalStateException("checkpoint " + folder + " lacks the weight " + e.getKey());
      e.getValue().copyFrom(t);
    }
  }
}
