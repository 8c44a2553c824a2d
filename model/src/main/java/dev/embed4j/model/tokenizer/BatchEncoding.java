package dev.embed4j.model.tokenizer;

/**
 * A batch of encodings padded on the right to one length: row-major [batch, seqLen] arrays of ids, type
 * ids and the attention mask, and each row's unpadded length.
 */
public record BatchEncoding(int batch, int seqLen, int[] ids, int[] typeIds, int[] attentionMask, int[] lengths) {
  /**
   * Rows [from, to) as a batch of their own, padded only to their own longest row (the rest of this
   * batch's padding is dropped).
   */
  public BatchEncoding rows(int from, int to) {
    if (from < 0 || to > batch || from >= to) {
      throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of a batch of " + batch);
    }
    int n = to - from, len = 0;
    for (int i = from; i < to; i++) len = Math.max(len, lengths[i]);
    int[] ids2 = new int[n * len], types2 = new int[n * len], mask2 = new int[n * len];
    for (int i = 0; i < n; i++) {
      System.arraycopy(ids, (from + i) * seqLen, ids2, i * len, len);
      System.arraycopy(typeIds, (from + i) * seqLen, types2, i * len, len);
      System.arraycopy(attentionMask, (from + i) * seqLen, mask2, i * len, len);
    }
    return new BatchEncoding(n, len, ids2, types2, mask2, java.util.Arrays.copyOfRange(lengths, from, to));
  }

  /** Row {@code i} without its padding. */
  public Encoding row(int i) {
    int from = i * seqLen, len = lengths[i];
    return new Encoding(java.util.Arrays.copyOfRange(ids, from, from + len),
        java.util.Arrays.copyOfRange(typeIds, from, from + len), java.util.Arrays.copyOfRange(attentionMask, from, from + len));
  }
}
