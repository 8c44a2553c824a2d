package dev.embed4j.model.onnx;

/** An ONNX file that cannot be read, or whose graph is not the BERT encoder the importer expects. */
public final class OnnxFormatException extends RuntimeException {
  public OnnxFormatException(String message) {
    super(message);
  }
}
