package dev.embed4j.model.io;

import java.io.IOException;
import java.nio.file.Path;

/** A safetensors file that is not valid: names the file, the tensor when there is one, and the problem. */
public final class SafeTensorsException extends IOException {
  public SafeTensorsException(Path file, String tensor, String problem) {
    super(file + (tensor == null ? "" : ", tensor '" + tensor + "'") + ": " + problem);
  }
}
