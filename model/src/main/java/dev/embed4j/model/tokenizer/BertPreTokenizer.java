package dev.embed4j.model.tokenizer;

import java.util.function.Consumer;

/**
 * BERT's pre-tokeniser: splits on whitespace (dropped) and isolates every punctuation character as a word
 * of its own, so "don't!" becomes "don", "'", "t", "!".
 */
public final class BertPreTokenizer {
  private BertPreTokenizer() {}

  /** Calls {@code word} for each word of {@code text}, in order. */
  public static void split(String text, Consumer<String> word) {
    int start = -1; // start of the word being read, or -1 between words
    for (int i = 0; i < text.length(); ) {
      int c = text.codePointAt(i);
      int n = Character.charCount(c);
      if (UnicodeClasses.isWhitespace(c)) {
        if (start >= 0) word.accept(text.substring(start, i));
        start = -1;
      } else if (UnicodeClasses.isPunctuation(c)) {
        if (start >= 0) word.accept(text.substring(start, i));
        word.accept(text.substring(i, i + n));
        start = -1;
      } else if (start < 0) {
        start = i;
      }
      i += n;
    }
    if (start >= 0) word.accept(text.substring(start));
  }
}
