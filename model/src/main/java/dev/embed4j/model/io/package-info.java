/**
 * The files a model is made of, without knowing the model: {@link dev.embed4j.model.io.SafeTensors} reads
 * and writes the safetensors format, {@link dev.embed4j.model.io.HuggingFaceCache} finds a model id in the
 * local Hugging Face cache. The sentence-transformers folder around them is
 * {@link dev.embed4j.model.ModelFolder}'s, beside the encoder it loads and saves.
 */
package dev.embed4j.model.io;
