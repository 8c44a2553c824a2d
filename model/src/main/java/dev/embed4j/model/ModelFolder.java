package dev.embed4j.model;

import dev.embed4j.engine.Tensor;
import dev.embed4j.losses.SimilarityFunction;
import dev.embed4j.model.bert.BertConfig;
import dev.embed4j.model.bert.BertModel;
import dev.embed4j.model.bert.ModelConfigException;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.io.SafeTensors;
import dev.embed4j.model.io.SafeTensorsException;
import dev.embed4j.model.io.json.JsonReader;
import dev.embed4j.model.io.json.JsonSyntaxException;
import dev.embed4j.model.io.json.JsonValue;
import dev.embed4j.model.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A model folder in the sentence-transformers layout, read and written:
 *
 * <pre>
 * modules.json                      0: Transformer (path ""), 1: Pooling (1_Pooling), 2: Normalize (2_Normalize)
 * config.json, model.safetensors    the BERT encoder (weights named as Hugging Face's BertModel names them)
 * tokenizer.json, tokenizer_config.json, vocab.txt, special_tokens_map.json
 * sentence_bert_config.json         max_seq_length
 * 1_Pooling/config.json             pooling mode, include_prompt
 * 2_Normalize/                      present when embeddings are normalised
 * config_sentence_transformers.json prompts, default_prompt_name, similarity_fn_name
 * README.md                         the model card (written, never read; see ModelCard)
 * </pre>
 *
 * A plain Hugging Face BERT folder (no modules.json) loads with mean pooling and no normalisation, as
 * sentence-transformers loads one. Weights may carry a {@code bert.} prefix and LayerNorm's old
 * {@code gamma}/{@code beta} names; tensors the encoder does not use (the pooler, MLM heads) are skipped.
 *
 * <p>Loading reads the JSON files with {@link JsonReader}, never Jackson's databind, whose initialisation
 * alone cost a fresh JVM 210-270 ms; {@link ModelFolderWriter} writes them with Jackson.
 */
public final class ModelFolder {
  /** The versions config_sentence_transformers.json and the model card name. */
  static final String EMBED4J_VERSION = "0.1.0", SENTENCE_TRANSFORMERS_FORMAT = "3.0.1";

  private ModelFolder() {}

  public static SentenceEncoder load(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) throw new NoSuchFileException(dir.toString(), null, "not a model folder");
    Path transformerDir = dir, poolingDir = null;
    boolean normalize = false, sawModules = false;
    Path modules = dir.resolve("modules.json");
    if (Files.exists(modules)) {
      sawModules = true;
      for (JsonValue m : readJson(modules)) {
        String type = m.path("type").asText(""), path = m.path("path").asText("");
        if (type.endsWith(".Transformer")) transformerDir = modulePath(dir, modules, path);
        else if (type.endsWith(".Pooling")) poolingDir = modulePath(dir, modules, path);
        else if (type.endsWith(".Normalize")) normalize = true;
        else throw new ModelConfigException(modules + ": module '" + type + "' is not supported (Transformer, Pooling, Normalize are)");
      }
    }
    BertConfig config = BertConfig.read(transformerDir.resolve("config.json"));
    Path weightsFile = transformerDir.resolve("model.safetensors");
    if (!Files.exists(weightsFile)) {
      String hint = Files.exists(transformerDir.resolve("pytorch_model.bin"))
          ? "only pytorch_model.bin is there; convert it to safetensors (transformers' save_pretrained does)"
          : "no weights file";
      throw new NoSuchFileException(weightsFile.toString(), null, hint);
    }
    checkAgainstWeights(config, transformerDir.resolve("config.json"), weightsFile);
    // the tokenizer (a large JSON file) is read on a thread of its own while this one reads the weights: in a
    // fresh JVM both run mostly interpreted, 0.1-0.4 s each on this project's machine
    Path tokenizerDir = transformerDir;
    CompletableFuture<WordPieceTokenizer> tokenizerFuture = new CompletableFuture<>();
    Thread.ofPlatform().daemon().name("embed4j-tokenizer-load").start(() -> {
      try {
        tokenizerFuture.complete(WordPieceTokenizer.load(tokenizerDir));
      } catch (Throwable t) {
        tokenizerFuture.completeExceptionally(t);
      }
    });
    Map<String, int[]> expected = BertModel.expectedShapes(config);
    Map<String, Tensor> weights = new HashMap<>();
    SafeTensors.read(weightsFile, (name, t) -> {
      String n = hfName(name);
      if (expected.containsKey(n)) weights.put(n, t);
    });
    BertModel model;
    try {
      model = new BertModel(config, weights);
    } catch (ModelConfigException e) {
      throw new ModelConfigException(weightsFile + ": " + e.getMessage());
    }
    WordPieceTokenizer tokenizer = joinTokenizer(tokenizerFuture);
    // a token id or type the embeddings do not have would fail in the first encode: say so at load time
    Path tokFile = transformerDir.resolve(Files.exists(transformerDir.resolve("tokenizer.json")) ? "tokenizer.json" : "vocab.txt");
    if (tokenizer.maxTokenId() >= config.vocabSize()) {
      throw new ModelConfigException(tokFile + ": token id " + tokenizer.maxTokenId() + " is outside the model's vocabulary ("
          + "vocab_size " + config.vocabSize() + " in " + transformerDir.resolve("config.json") + ")");
    }
    if (tokenizer.maxTypeId() >= config.typeVocabSize()) {
      throw new ModelConfigException(tokFile + ": token type id " + tokenizer.maxTypeId() + " is outside the model's"
          + " type_vocab_size " + config.typeVocabSize() + " (" + transformerDir.resolve("config.json") + ")");
    }

    int maxSeq = Math.min(config.maxPositions(), tokenizer.maxLength() > 0 ? tokenizer.maxLength() : 512);
    Path stConfig = transformerDir.resolve("sentence_bert_config.json");
    if (Files.exists(stConfig)) {
      JsonValue c = readJson(stConfig);
      if (c.path("max_seq_length").canConvertToInt()) maxSeq = c.get("max_seq_length").asInt();
    }

    Pooling pooling = Pooling.mean();
    if (poolingDir != null) pooling = readPooling(poolingDir.resolve("config.json"));
    else if (sawModules) throw new ModelConfigException(modules + ": no Pooling module");

    Map<String, String> prompts = new LinkedHashMap<>();
    String defaultPrompt = null;
    SimilarityFunction sim = SimilarityFunction.COSINE;
    Path stc = dir.resolve("config_sentence_transformers.json");
    if (Files.exists(stc)) {
      JsonValue c = readJson(stc);
      c.path("prompts").properties().forEach(e -> prompts.put(e.getKey(), e.getValue().asText()));
      if (c.path("default_prompt_name").isTextual()) defaultPrompt = c.get("default_prompt_name").asText();
      if (c.path("similarity_fn_name").isTextual()) sim = SimilarityFunction.of(c.get("similarity_fn_name").asText());
    }
    return new SentenceEncoder(tokenizer, model, pooling, normalize, maxSeq, prompts, defaultPrompt, sim);
  }

  /** The tokenizer read on the other thread, or what it threw, as it would have been thrown here. */
  private static WordPieceTokenizer joinTokenizer(CompletableFuture<WordPieceTokenizer> future) throws IOException {
    try {
      return future.join();
    } catch (java.util.concurrent.CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) throw io;
      if (cause instanceof RuntimeException re) throw re;
      if (cause instanceof Error err) throw err;
      throw e;
    }
  }

  /**
   * Holds config.json's sizes against the weights file's header before anything is allocated: the number
   * of layers, the vocabulary and the width must be those of the weights, and every weight the encoder
   * uses must be stored as a float type.
   */
  static void checkAgainstWeights(BertConfig config, Path configFile, Path weightsFile) throws IOException {
    SafeTensors.Header h = SafeTensors.readHeader(weightsFile);
    int layers = 0;
    Pattern layer = Pattern.compile("encoder\\.layer\\.(\\d{1,9})\\..*");
    for (SafeTensors.Entry e : h.entries()) {
      String n = hfName(e.name());
      Matcher m = layer.matcher(n);
      if (m.matches()) layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
      if (n.startsWith("embeddings.") || n.startsWith("encoder.")) {
        if (!e.isFloat()) {
          throw new SafeTensorsException(weightsFile, e.name(), "dtype " + e.dtype() + " is not supported for a weight;"
              + " F32, F16, BF16 or F64 are");
        }
      }
      if (n.equals("embeddings.word_embeddings.weight") && e.shape().length == 2
          && (e.shape()[0] != config.vocabSize() || e.shape()[1] != config.hiddenSize())) {
        throw new ModelConfigException(configFile + ": vocab_size " + config.vocabSize() + " and hidden_size "
            + config.hiddenSize() + " do not match tensor '" + e.name() + "' of " + weightsFile.getFileName() + ", shaped "
            + java.util.Arrays.toString(e.shape()));
      }
    }
    if (layers != config.numLayers()) {
      throw new ModelConfigException(configFile + ": num_hidden_layers is " + config.numLayers() + ", but "
          + weightsFile.getFileName() + " holds weights for " + layers + " layers");
    }
  }

  /** A module's folder: a relative path that stays inside the model folder. */
  private static Path modulePath(Path dir, Path modules, String path) {
    Path p;
    try {
      p = dir.resolve(path).normalize();
    } catch (java.nio.file.InvalidPathException e) {
      throw new ModelConfigException(modules + ": module path '" + path + "' is not a valid path: " + e.getReason());
    }
    if (Path.of(path).isAbsolute() || !p.startsWith(dir.normalize())) {
      throw new ModelConfigException(modules + ": module path '" + path + "' leaves the model folder; it must be relative"
          + " to it, such as \"1_Pooling\"");
    }
    return p;
  }

  /** A checkpoint's tensor name as BertModel names it: no {@code bert.} prefix, LayerNorm weight/bias. */
  static String hfName(String name) {
    String n = name.startsWith("bert.") ? name.substring(5) : name;
    if (n.endsWith("LayerNorm.gamma")) n = n.substring(0, n.length() - 5) + "weight";
    else if (n.endsWith("LayerNorm.beta")) n = n.substring(0, n.length() - 4) + "bias";
    return n;
  }

  private static Pooling readPooling(Path file) throws IOException {
    JsonValue c = readJson(file);
    boolean cls = c.path("pooling_mode_cls_token").asBoolean(false);
    boolean mean = c.path("pooling_mode_mean_tokens").asBoolean(false);
    boolean max = c.path("pooling_mode_max_tokens").asBoolean(false);
    for (String unsupported : new String[] {"pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
        "pooling_mode_lasttoken"}) {
      if (c.path(unsupported).asBoolean(false)) throw new ModelConfigException(file + ": " + unsupported + " is not supported");
    }
    if ((cls ? 1 : 0) + (mean ? 1 : 0) + (max ? 1 : 0) != 1) {
      throw new ModelConfigException(file + ": exactly one of pooling_mode_cls_token, pooling_mode_mean_tokens and "
          + "pooling_mode_max_tokens must be true (concatenated poolings are not supported)");
    }
    Pooling.Mode mode = cls ? Pooling.Mode.CLS : mean ? Pooling.Mode.MEAN : Pooling.Mode.MAX;
    return new Pooling(mode, c.path("include_prompt").asBoolean(true));
  }

  /** Writes every file of the layout; an existing folder's files of the same names are replaced. */
  public static void save(SentenceEncoder enc, Path dir) throws IOException {
    ModelFolderWriter.save(enc, dir);
  }

  private static JsonValue readJson(Path file) throws IOException {
    if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "missing from the model folder");
    try {
      return JsonReader.read(file);
    } catch (JsonSyntaxException e) {
      throw new ModelConfigException(file + ": not valid JSON: " + e.getMessage());
    }
  }
}
