/**
 * Import of a BERT encoder from an ONNX file, behind {@code SentenceEncoder.defaultModel()}. Internal: the
 * module does not export it.
 */
package dev.embed4j.model.onnx;
