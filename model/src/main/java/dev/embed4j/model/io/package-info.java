/**
 * Weight files and model folders: {@link dev.embed4j.model.io.SafeTensors} reads and writes the safetensors
 * format, {@link dev.embed4j.model.io.ModelFolder} the sentence-transformers layout around it.
 */
package dev.embed4j.model.io;
