/**
 * BERT WordPiece tokenization read from a Hugging Face {@code tokenizer.json}: normaliser, pre-tokeniser,
 * vocabulary, post-processor and truncation, token for token as the Hugging Face tokenizers library.
 * Start at {@link dev.embed4j.model.tokenizer.WordPieceTokenizer}.
 */
package dev.embed4j.model.tokenizer;
