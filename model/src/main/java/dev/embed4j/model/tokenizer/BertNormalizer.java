package dev.embed4j.model.tokenizer;

import java.text.Normalizer;

/**
 * The BERT normaliser as the Hugging Face tokenizers library defines it, applied in its order: clean the
 * text (drop NUL, U+FFFD and "other" characters — general categories Cc, Cf, Co, Cn, except tab, newline
 * and carriage return — and turn every whitespace character into a space), put spaces around CJK
 * ideographs, strip accents (NFD, then drop the non-spacing marks, Mn), lowercase. Accents are stripped
 * when {@code stripAccents} is true, or when it is unset (null) and {@code lowercase} is on, as the
 * library does.
 *
 * <p>Lowercasing is per code point with Unicode's full mapping (U+0130 becomes "i̇", two code points), never
 * the context-sensitive final-sigma rule of {@link String#toLowerCase}, again as the library does.
 */
public record BertNormalizer(boolean cleanText, boolean handleChineseChars, Boolean stripAccents, boolean lowercase) {

  /** The normaliser of the uncased BERT vocabularies (all-MiniLM-L6-v2 among them). */
  public static BertNormalizer uncased() {
    return new BertNormalizer(true, true, null, true);
  }

  public boolean stripsAccents() {
    return stripAccents != null ? stripAccents : lowercase;
  }

  public String normalize(String text) {
    StringBuilder sb = new StringBuilder(text.length() + 8);
    boolean ascii = true;
    for (int i = 0; i < text.length(); ) {
      int c = text.codePointAt(i);
      i += Character.charCount(c);
      if (cleanText) {
        if (c == 0 || c == 0xFFFD || UnicodeClasses.isControl(c)) continue;
        if (UnicodeClasses.isWhitespace(c)) c = ' ';
      }
      if (c >= 0x80) ascii = false;
      if (handleChineseChars && UnicodeClasses.isChineseChar(c)) {
        sb.append(' ').appendCodePoint(c).append(' ');
      } else {
        sb.appendCodePoint(c);
      }
    }
    String s = sb.toString();
    if (stripsAccents() && !ascii) s = stripMarks(Normalizer.normalize(s, Normalizer.Form.NFD));
    if (lowercase) s = ascii ? asciiLower(s) : lower(s);
    return s;
  }

  private static String stripMarks(String nfd) {
    StringBuilder sb = new StringBuilder(nfd.length());
    for (int i = 0; i < nfd.length(); ) {
      int c = nfd.codePointAt(i);
      i += Character.charCount(c);
      if (UnicodeClasses.category(c) != Character.NON_SPACING_MARK) sb.appendCodePoint(c);
    }
    return sb.toString();
  }

  private static String asciiLower(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        char[] a = s.toCharArray();
        for (int j = i; j < a.length; j++) if (a[j] >= 'A' && a[j] <= 'Z') a[j] += 'a' - 'A';
        return new String(a);
      }
    }
    return s;
  }

  private static String lower(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      if (c == 0x130) sb.append("i\u0307"); // the one unconditional multi-code-point lowercase mapping
      else sb.appendCodePoint(Character.toLowerCase(c));
    }
    return sb.toString();
  }
}
