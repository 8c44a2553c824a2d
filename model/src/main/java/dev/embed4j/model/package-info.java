/**
 * The entry point of the library: {@link dev.embed4j.model.SentenceEncoder} loads a model folder in the
 * sentence-transformers layout (or imports all-MiniLM-L6-v2 with {@code defaultModel()}), encodes texts with
 * or without a prompt, compares embeddings and saves a folder that Python sentence-transformers loads.
 */
package dev.embed4j.model;
