package dev.embed4j.model.tokenizer;

/** A tokenizer file (tokenizer.json or vocab.txt) that cannot be used: what is wrong and where. */
public final class TokenizerFormatException extends RuntimeException {
  public TokenizerFormatException(String message) {
    super(message);
  }

  public TokenizerFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
