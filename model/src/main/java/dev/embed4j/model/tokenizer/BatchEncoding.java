package dev.embed4j.model.tokenizer;

/**
 * A batch of encodings padded on the right to one length: row-major [batch, seqLen] arrays of ids, type
 * ids and the attention mask, and each row's unpadded length.
 */
public record BatchEncoding(int batch, int seqLen, int[] ids, int[] typeIds, int[] attentionMask, int[] lengths) {
  /** Row {@code i} without its padding. */
  public Encoding row(int i) {
    int from = i * seqLen, len = lengths[i];
    return new Encoding(java.util.Arrays.copyOfRange(ids, from, from + len),
        java.util.Arrays.copyOfRange(typeIds, from, from + len), java.util.Arrays.copyOfRange(attentionMask, from, from + len));
  }
}
