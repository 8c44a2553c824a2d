package dev.embed4j.model.data;

/**
 * A text and the prompt to put before it ("" for none). The encoder tokenises them together and knows
 * how many tokens the prompt took, so pooling can leave them out (include-prompt off).
 */
public record PromptedText(String prompt, String text) {
  public PromptedText {
    if (prompt == null) prompt = "";
    if (text == null) throw new IllegalArgumentException("text must not be null");
  }

  public static PromptedText of(String text) {
    return new PromptedText("", text);
  }

  /** The full input the model sees. */
  public String full() {
    return prompt + text;
  }
}
