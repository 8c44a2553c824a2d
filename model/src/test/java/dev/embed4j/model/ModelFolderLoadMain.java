package dev.embed4j.model;

import java.nio.file.Path;

/**
 * Loads the model folder named by its argument and prints its dimension: the whole of a fresh JVM's
 * model load, for {@link ModelFolderColdLoadTest} to watch from outside (its class loading).
 */
public final class ModelFolderLoadMain {
  private ModelFolderLoadMain() {}

  public static void main(String[] args) throws Exception {
    SentenceEncoder enc = SentenceEncoder.load(Path.of(args[0]));
    System.out.println("embed4j loaded, dimension " + enc.dimension());
  }
}
