package dev.embed4j.model.tokenizer;

/**
 * One tokenised text (or pair): token ids with the special tokens, the token type ids (0 for the first
 * text, 1 for the second of a pair) and the attention mask (1 for a real token, 0 for padding).
 */
public record Encoding(int[] ids, int[] typeIds, int[] attentionMask) {
  public int length() {
    return ids.length;
  }
}
