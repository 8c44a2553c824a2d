package dev.embed4j.model.bert;

/** A model configuration (config.json, modules.json, pooling config) that embed4j cannot run, and why. */
public final class ModelConfigException extends RuntimeException {
  public ModelConfigException(String message) {
    super(message);
  }
}
