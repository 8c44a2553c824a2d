/**
 * The entry point of the library: {@link dev.embed4j.model.SentenceEncoder} loads a model folder in the
 * sentence-transformers layout (or imports all-MiniLM-L6-v2 with {@code defaultModel()}), encodes texts with
 * or without a prompt, compares embeddings and saves a folder that Python sentence-transformers loads.
 * The folder layout is {@link dev.embed4j.model.ModelFolder}'s (with the {@link dev.embed4j.model.ModelCard}),
 * the default model's import and cache {@link dev.embed4j.model.DefaultModel}'s.
 *
 * <p>The packages depend one way: this one on {@code bert}, {@code tokenizer}, {@code io} (file formats that do
 * not know the encoder) and {@code onnx} (the importer); none of those on this one.
 */
package dev.embed4j.model;
