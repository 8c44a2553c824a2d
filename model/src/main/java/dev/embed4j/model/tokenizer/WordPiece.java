package dev.embed4j.model.tokenizer;

import java.util.Map;

/**
 * The WordPiece model: each word is split greedily into the longest vocabulary entries from its start,
 * pieces after the first carrying the continuing prefix ({@code ##}). A word with more than
 * {@code maxInputCharsPerWord} code points, or with a part no entry matches, becomes the single unknown
 * token, as in BERT.
 */
public final class WordPiece {
  private final Map<String, Integer> vocab;
  private final int unkId;
  private final String prefix;
  private final int maxInputCharsPerWord;

  public WordPiece(Map<String, Integer> vocab, String unkToken, String prefix, int maxInputCharsPerWord) {
    this.vocab = Map.copyOf(vocab);
    Integer unk = vocab.get(unkToken);
    if (unk == null) {
      throw new TokenizerFormatException("the vocabulary (" + vocab.size() + " entries) has no unknown token '"
          + unkToken + "'; WordPiece needs one for words it cannot split");
    }
    this.unkId = unk;
    this.prefix = prefix;
    this.maxInputCharsPerWord = maxInputCharsPerWord;
  }

  public Map<String, Integer> vocab() {
    return vocab;
  }

  public int unkId() {
    return unkId;
  }

  public String prefix() {
    return prefix;
  }

  public int maxInputCharsPerWord() {
    return maxInputCharsPerWord;
  }

  /** Appends the ids of {@code word}'s pieces to {@code out}. */
  public void tokenize(String word, IntList out) {
    if (word.codePointCount(0, word.length()) > maxInputCharsPerWord) {
      out.add(unkId);
      return;
    }
    Integer whole = vocab.get(word);
    if (whole != null) { // the common case: the whole word is an entry
      out.add(whole);
      return;
    }
    int mark = out.size();
    int start = 0, len = word.length();
    while (start < len) {
      int end = len;
      Integer found = null;
      while (end > start) {
        String piece = start == 0 ? word.substring(0, end) : prefix + word.substring(start, end);
        found = vocab.get(piece);
        if (found != null) break;
        end--;
        if (end > start && Character.isLowSurrogate(word.charAt(end)) && Character.isHighSurrogate(word.charAt(end - 1))) {
          end--; // never cut a surrogate pair
        }
      }
      if (found == null) {
        out.truncate(mark);
        out.add(unkId);
        return;
      }
      out.add(found);
      start = end;
    }
  }
}
