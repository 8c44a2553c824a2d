package dev.embed4j.model.tokenizer;

import java.util.List;

/**
 * Where the special tokens go around one text or a pair, with the token type id of each part: the
 * Hugging Face TemplateProcessing post-processor. BERT's is {@code [CLS] $A [SEP]} for one text and
 * {@code [CLS] $A [SEP] $B:1 [SEP]:1} for a pair.
 */
public record PostProcessorTemplate(List<Piece> single, List<Piece> pair) {

  /** A special token's ids, or the place of sequence A or B ({@code sequence} 'A' or 'B', ids null). */
  public record Piece(String token, int[] ids, char sequence, int typeId) {
    public static Piece special(String token, int id, int typeId) {
      return new Piece(token, new int[] {id}, '\0', typeId);
    }

    public static Piece sequence(char which, int typeId) {
      return new Piece(null, null, which, typeId);
    }

    boolean isSpecial() {
      return ids != null;
    }
  }

  /** BERT's template around the given [CLS] and [SEP] ids. */
  public static PostProcessorTemplate bert(String cls, int clsId, String sep, int sepId) {
    return new PostProcessorTemplate(
        List.of(Piece.special(cls, clsId, 0), Piece.sequence('A', 0), Piece.special(sep, sepId, 0)),
        List.of(Piece.special(cls, clsId, 0), Piece.sequence('A', 0), Piece.special(sep, sepId, 0),
            Piece.sequence('B', 1), Piece.special(sep, sepId, 1)));
  }

  /** No special tokens at all (a tokenizer.json without a post-processor). */
  public static PostProcessorTemplate none() {
    return new PostProcessorTemplate(List.of(Piece.sequence('A', 0)), List.of(Piece.sequence('A', 0), Piece.sequence('B', 1)));
  }

  /** How many special-token ids the template adds to one text or to a pair. */
  public int added(boolean isPair) {
    int n = 0;
    for (Piece p : isPair ? pair : single) if (p.isSpecial()) n += p.ids().length;
    return n;
  }

  /** The final ids and type ids (mask all ones) of {@code a} and, for a pair, {@code b}. */
  Encoding apply(int[] a, int[] b) {
    List<Piece> t = b == null ? single : pair;
    int n = 0;
    for (Piece p : t) n += p.isSpecial() ? p.ids().length : (p.sequence() == 'A' ? a : b).length;
    int[] ids = new int[n], types = new int[n], mask = new int[n];
    int i = 0;
    for (Piece p : t) {
      int[] src = p.isSpecial() ? p.ids() : (p.sequence() == 'A' ? a : b);
      for (int id : src) {
        ids[i] = id;
        types[i] = p.typeId();
        mask[i++] = 1;
      }
    }
    return new Encoding(ids, types, mask);
  }
}
