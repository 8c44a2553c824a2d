/**
 * Import of a BERT encoder from an ONNX file ({@code OnnxGraph}, {@code OnnxBertImporter}), behind
 * {@code SentenceEncoder.defaultModel()} ({@link dev.embed4j.model.DefaultModel} caches the imported folder).
 * Internal: the module does not export it.
 */
package dev.embed4j.model.onnx;
