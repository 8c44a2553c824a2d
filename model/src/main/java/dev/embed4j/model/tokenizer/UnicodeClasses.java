package dev.embed4j.model.tokenizer;

/**
 * The character classes of BERT tokenisation, defined as the Hugging Face tokenizers library (Rust)
 * defines them, which is not always how {@link Character} does: whitespace is Unicode's White_Space
 * property (Rust's {@code char::is_whitespace}; it includes the no-break spaces that
 * {@link Character#isWhitespace} leaves out), punctuation is ASCII punctuation (symbols such as {@code $+<=>^`|~}
 * included) or the P* general categories.
 */
final class UnicodeClasses {
  private UnicodeClasses() {}

  /**
   * Inclusive code point ranges that Unicode assigned after 8.0 and that today are Cc, Cf, Co, Mn or P*.
   * The library takes general categories from Unicode 8.0 tables (the unicode_categories crate), where
   * these were unassigned, so it neither drops, strips nor splits on them; neither do we. Generated from
   * Unicode's "Present_In: 8.0" property (Perl's Unicode::UCD) and this JDK's categories; other code points
   * assigned later have categories (letters, symbols) that no rule here looks at.
   */
  private static final int[] ASSIGNED_AFTER_8_0 = {
      0x061D, 0x061D, 0x07FD, 0x07FD, 0x0890, 0x0891, 0x0897, 0x089F, 0x08CA, 0x08E2, 0x09FD, 0x09FE,
      0x0A76, 0x0A76, 0x0AFA, 0x0AFF, 0x0B55, 0x0B55, 0x0C04, 0x0C04, 0x0C3C, 0x0C3C, 0x0C77, 0x0C77,
      0x0C84, 0x0C84, 0x0D00, 0x0D00, 0x0D3B, 0x0D3C, 0x0D81, 0x0D81, 0x0EBA, 0x0EBA, 0x0ECE, 0x0ECE,
      0x180F, 0x180F, 0x1ABF, 0x1ACE, 0x1B4E, 0x1B4F, 0x1B7D, 0x1B7F, 0x1DF6, 0x1DFB, 0x2E43, 0x2E4F,
      0x2E52, 0x2E5D, 0xA82C, 0xA82C, 0xA8C5, 0xA8C5, 0xA8FF, 0xA8FF, 0x10D24, 0x10D27, 0x10D69, 0x10D6E,
      0x10EAB, 0x10EAD, 0x10EFC, 0x10EFF, 0x10F46, 0x10F50, 0x10F55, 0x10F59, 0x10F82, 0x10F89, 0x11070, 0x11070,
      0x11073, 0x11074, 0x110C2, 0x110C2, 0x110CD, 0x110CD, 0x111CF, 0x111CF, 0x1123E, 0x1123E, 0x11241, 0x11241,
      0x1133B, 0x1133B, 0x113BB, 0x113C0, 0x113CE, 0x113CE, 0x113D0, 0x113D0, 0x113D2, 0x113D2, 0x113D4, 0x113D5,
      0x113D7, 0x113D8, 0x113E1, 0x113E2, 0x11438, 0x1143F, 0x11442, 0x11444, 0x11446, 0x11446, 0x1144B, 0x1144F,
      0x1145A, 0x1145B, 0x1145D, 0x1145E, 0x11660, 0x1166C, 0x116B9, 0x116B9, 0x1182F, 0x11837, 0x11839, 0x1183B,
      0x1193B, 0x1193C, 0x1193E, 0x1193E, 0x11943, 0x11946, 0x119D4, 0x119D7, 0x119DA, 0x119DB, 0x119E0, 0x119E0,
      0x119E2, 0x119E2, 0x11A01, 0x11A0A, 0x11A33, 0x11A38, 0x11A3B, 0x11A47, 0x11A51, 0x11A56, 0x11A59, 0x11A5B,
      0x11A8A, 0x11A96, 0x11A98, 0x11A9C, 0x11A9E, 0x11AA2, 0x11B00, 0x11B09, 0x11BE1, 0x11BE1, 0x11C30, 0x11C36,
      0x11C38, 0x11C3D, 0x11C3F, 0x11C3F, 0x11C41, 0x11C45, 0x11C70, 0x11C71, 0x11C92, 0x11CA7, 0x11CAA, 0x11CB0,
      0x11CB2, 0x11CB3, 0x11CB5, 0x11CB6, 0x11D31, 0x11D36, 0x11D3A, 0x11D3A, 0x11D3C, 0x11D3D, 0x11D3F, 0x11D45,
      0x11D47, 0x11D47, 0x11D90, 0x11D91, 0x11D95, 0x11D95, 0x11D97, 0x11D97, 0x11EF3, 0x11EF4, 0x11EF7, 0x11EF8,
      0x11F00, 0x11F01, 0x11F36, 0x11F3A, 0x11F40, 0x11F40, 0x11F42, 0x11F4F, 0x11F5A, 0x11F5A, 0x11FFF, 0x11FFF,
      0x12FF1, 0x12FF2, 0x13430, 0x13440, 0x13447, 0x13455, 0x1611E, 0x16129, 0x1612D, 0x1612F, 0x16D6D, 0x16D6F,
      0x16E97, 0x16E9A, 0x16F4F, 0x16F4F, 0x16FE2, 0x16FE2, 0x16FE4, 0x16FE4, 0x1CF00, 0x1CF2D, 0x1CF30, 0x1CF46,
      0x1E000, 0x1E006, 0x1E008, 0x1E018, 0x1E01B, 0x1E021, 0x1E023, 0x1E024, 0x1E026, 0x1E02A, 0x1E08F, 0x1E08F,
      0x1E130, 0x1E136, 0x1E2AE, 0x1E2AE, 0x1E2EC, 0x1E2EF, 0x1E4EC, 0x1E4EF, 0x1E5EE, 0x1E5EF, 0x1E5FF, 0x1E5FF,
      0x1E944, 0x1E94A, 0x1E95E, 0x1E95F
  };

  /**
   * The general category the Hugging Face library sees: {@link Character#getType} but
   * {@link Character#UNASSIGNED} for what Unicode 8.0 did not have, and 8.0's category where one changed
   * since.
   */
  static int category(int c) {
    int type = Character.getType(c);
    switch (type) {
      case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.NON_SPACING_MARK,
          Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
          Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
          Character.OTHER_PUNCTUATION -> {
        if (c >= 0x300 && inRanges(c, ASSIGNED_AFTER_8_0)) return Character.UNASSIGNED;
      }
      default -> { }
    }
    // the code points whose category changed between Unicode 8.0 and 16.0, with 8.0's (found by the sweep
    // of every code point against the library)
    return switch (c) {
      case 0x166D, 0x111C9 -> Character.OTHER_PUNCTUATION;
      case 0x1734, 0x1171E -> Character.NON_SPACING_MARK;
      case 0x1885, 0x1886 -> Character.OTHER_LETTER;
      case 0xA9BD -> Character.COMBINING_SPACING_MARK;
      default -> type;
    };
  }

  private static boolean inRanges(int c, int[] ranges) {
    int lo = 0, hi = ranges.length / 2 - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (c < ranges[2 * mid]) hi = mid - 1;
      else if (c > ranges[2 * mid + 1]) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** Unicode White_Space, plus tab, newline and carriage return (already in it). */
  static boolean isWhitespace(int c) {
    return switch (c) {
      case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
      default -> c >= 0x2000 && c <= 0x200A;
    };
  }

  /**
   * Control, format and private-use characters (Cc, Cf, Co) except tab, newline and carriage return, which
   * count as whitespace. The library's comment says Cn too, but it keeps unassigned code points (they
   * become [UNK]); the parity test holds us to what it does.
   */
  static boolean isControl(int c) {
    if (c == '\t' || c == '\n' || c == '\r') return false;
    if (c < 0x7F && c >= 0x20) return false;
    int type = category(c);
    return type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE
        || type == Character.SURROGATE;
  }

  static boolean isPunctuation(int c) {
    if (c < 0x80) {
      return c >= 0x21 && c <= 0x2F || c >= 0x3A && c <= 0x40 || c >= 0x5B && c <= 0x60 || c >= 0x7B && c <= 0x7E;
    }
    return switch (category(c)) {
      case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
          Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
          Character.OTHER_PUNCTUATION -> true;
      default -> false;
    };
  }

  /**
   * The CJK ideograph blocks of the original BERT code, with the Hugging Face library's bounds (its
   * Extension E range starts at U+2B920, not U+2B820).
   */
  static boolean isChineseChar(int c) {
    return c >= 0x4E00 && c <= 0x9FFF || c >= 0x3400 && c <= 0x4DBF || c >= 0x20000 && c <= 0x2A6DF
        || c >= 0x2A700 && c <= 0x2B73F || c >= 0x2B740 && c <= 0x2B81F || c >= 0x2B920 && c <= 0x2CEAF
        || c >= 0xF900 && c <= 0xFAFF || c >= 0x2F800 && c <= 0x2FA1F;
  }
}
