package dev.embed4j.losses;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.List;

/**
 * What the cached and guided losses need from an encoder: a mini-batch of inputs in, a [batch, dim]
 * embedding tensor out. It records a graph when {@link dev.embed4j.engine.Grad#isEnabled()} and none
 * inside {@code Grad.off()}. All its randomness (dropout) must come from {@code random}, so that a loss
 * which saves {@code random.state()} before a call and restores it before a second call gets the same
 * masks: GradCache depends on it. The model module's encoder implements this; losses never import it.
 *
 * @param <T> one input (a text, or already tokenised ids)
 */
@FunctionalInterface
public interface Embedder<T> {
  Tensor embed(List<T> inputs, Generator random);
}
