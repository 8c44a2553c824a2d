package dev.embed4j.model;

/**
 * Which prompt a text gets before it is embedded, as sentence-transformers' two keyword arguments keep
 * them apart: {@code prompt_name="query"} names one of the model's prompts ({@link #named}), while
 * {@code prompt="query: "} gives the text itself ({@link #text}). {@link #modelDefault} is what neither
 * argument gives: the model's {@code default_prompt_name}, if it has one.
 *
 * <pre>{@code
 * enc.encode(queries, Prompt.named("query"));     // the model's "query" prompt, e.g. "query: "
 * enc.encode(queries, Prompt.text("Represent this sentence: "));
 * enc.encode(texts, Prompt.none());               // no prompt, even if the model has a default one
 * }</pre>
 */
public sealed interface Prompt {
  /** One of the model's prompts, by name (an unknown name is an error naming the model's prompts). */
  record Named(String name) implements Prompt {
    public Named {
      if (name == null || name.isEmpty()) throw new IllegalArgumentException("a prompt name must not be null or empty");
    }
  }

  /** A prompt given as text ("" for none). */
  record Text(String text) implements Prompt {
    public Text {
      if (text == null) throw new IllegalArgumentException("a prompt text must not be null; Prompt.none() is no prompt");
    }
  }

  /** The model's {@code default_prompt_name} prompt, or none when the model names no default. */
  record ModelDefault() implements Prompt {}

  static Prompt named(String name) {
    return new Named(name);
  }

  static Prompt text(String text) {
    return new Text(text);
  }

  /** No prompt at all, whatever the model's default. */
  static Prompt none() {
    return new Text("");
  }

  /** What {@code encode(texts)} uses: the model's default prompt, if it names one. */
  static Prompt modelDefault() {
    return new ModelDefault();
  }
}
