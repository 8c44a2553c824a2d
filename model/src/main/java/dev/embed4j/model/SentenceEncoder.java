package dev.embed4j.model;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.Functional;
import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.cpu.Parallel;
import dev.embed4j.losses.SimilarityFunction;
import dev.embed4j.model.bert.BertModel;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.io.HuggingFaceCache;
import dev.embed4j.model.tokenizer.BatchEncoding;
import dev.embed4j.model.tokenizer.Encoding;
import dev.embed4j.model.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * A sentence-embedding model: tokenizer, BERT encoder, pooling and optional normalisation, as
 * sentence-transformers' SentenceTransformer arranges them.
 *
 * <pre>{@code
 * SentenceEncoder enc = SentenceEncoder.defaultModel();          // all-MiniLM-L6-v2
 * float[][] e = enc.encode(List.of("a cat", "a kitten"));
 * float sim = enc.similarity(e[0], e[1]);
 *
 * SentenceEncoder e5 = SentenceEncoder.load("intfloat/e5-small-v2");   // a folder, or an id in the HF cache
 * float[][] q = e5.encodeQuery(queries), d = e5.encodeDocument(docs);  // the model's query / passage prompts
 * float[][] scores = e5.similarity(q, d);                             // [queries, docs]
 * float[][] small = e5.encode(docs, Prompt.named("passage"), 128);     // Matryoshka: the first 128 dimensions
 * }</pre>
 *
 * <p>{@link #encode} sorts the texts by token count, runs them in batches of {@link #batchSize()} padded to
 * the longest of each batch, and returns the embeddings in input order. It only reads the model, so any
 * number of threads may call it at once, each getting what it would get alone. {@link #forward} is the
 * training path: it returns the pooled embeddings as a tensor with its graph.
 */
public final class SentenceEncoder {
  public static final int DEFAULT_BATCH_SIZE = 32;

  private final WordPieceTokenizer tokenizer;
  private final BertModel model;
  private final Pooling pooling;
  private final boolean normalize;
  private final int maxSeqLength;
  private final Map<String, String> prompts;
  private final String defaultPromptName;
  private final SimilarityFunction similarity;
  private final int batchSize;
  /** Embeddings are cut to their first this-many dimensions (Matryoshka); 0 keeps them whole. */
  private final int truncateDim;
  /** Shared by this encoder's copies, as the weights are. */
  private final ModelCardData cardData;

  public SentenceEncoder(WordPieceTokenizer tokenizer, BertModel model, Pooling pooling, boolean normalize,
      int maxSeqLength, Map<String, String> prompts, String defaultPromptName, SimilarityFunction similarity) {
    this(tokenizer, model, pooling, normalize, maxSeqLength, prompts, defaultPromptName, similarity, DEFAULT_BATCH_SIZE, 0,
        new ModelCardData());
  }

  private SentenceEncoder(WordPieceTokenizer tokenizer, BertModel model, Pooling pooling, boolean normalize,
      int maxSeqLength, Map<String, String> prompts, String defaultPromptName, SimilarityFunction similarity, int batchSize,
      int truncateDim, ModelCardData cardData) {
    if (maxSeqLength < 2 || maxSeqLength > model.config().maxPositions()) {
      throw new IllegalArgumentException("max sequence length " + maxSeqLength + " must be in [2, "
          + model.config().maxPositions() + "], the model's positions");
    }
    if (defaultPromptName != null && !prompts.containsKey(defaultPromptName)) {
      throw new IllegalArgumentException("default prompt '" + defaultPromptName + "' is not among the prompts " + prompts.keySet());
    }
    this.tokenizer = tokenizer.withMaxLength(maxSeqLength);
    this.model = model;
    this.pooling = pooling;
    this.normalize = normalize;
    this.maxSeqLength = maxSeqLength;
    this.prompts = Map.copyOf(prompts);
    this.defaultPromptName = defaultPromptName;
    this.similarity = similarity;
    this.batchSize = batchSize;
    if (truncateDim < 0 || truncateDim > model.config().hiddenSize()) {
      throw new IllegalArgumentException("truncate dim " + truncateDim + " must be in [1, " + model.config().hiddenSize()
          + "], the model's dimensions (or 0 for whole embeddings)");
    }
    this.truncateDim = truncateDim;
    this.cardData = cardData;
  }

  /** A model folder in the sentence-transformers layout (or a plain Hugging Face BERT folder: mean pooling). */
  public static SentenceEncoder load(Path folder) throws IOException {
    SentenceEncoder enc = ModelFolder.load(folder);
    enc.cardData.baseModel(folder.toString());
    return enc;
  }

  /**
   * all-MiniLM-L6-v2, imported on first use from the ONNX file in the langchain4j artifact on the class
   * path and cached as a model folder under the user's cache directory.
   */
  public static SentenceEncoder defaultModel() throws IOException {
    SentenceEncoder enc = load(DefaultModel.folder());
    enc.cardData.baseModel("sentence-transformers/all-MiniLM-L6-v2");
    return enc;
  }

  /** Writes this model as a sentence-transformers folder that Python's SentenceTransformer(path) loads. */
  public void save(Path folder) throws IOException {
    ModelFolder.save(this, folder);
  }

  /** The same model encoding {@code size} texts per forward pass. */
  public SentenceEncoder withBatchSize(int size) {
    if (size < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + size);
    return new SentenceEncoder(tokenizer, model, pooling, normalize, maxSeqLength, prompts, defaultPromptName, similarity, size,
        truncateDim, cardData);
  }

  /**
   * The same model running on {@code device}, its weights copied there (this encoder if they are there
   * already). Results come back as host arrays either way. A device with no backend on the class path,
   * or none usable in this process, is refused with the reason.
   */
  public SentenceEncoder withDevice(Device device) {
    if (device.equals(model.device())) return this;
    return new SentenceEncoder(tokenizer, model.to(device), pooling, normalize, maxSeqLength, prompts, defaultPromptName,
        similarity, batchSize, truncateDim, cardData);
  }

  /** Where the model's weights live. */
  public Device device() {
    return model.device();
  }

  /** The same model truncating texts to {@code tokens} tokens. */
  public SentenceEncoder withMaxSeqLength(int tokens) {
    return new SentenceEncoder(tokenizer, model, pooling, normalize, tokens, prompts, defaultPromptName, similarity, batchSize,
        truncateDim, cardData);
  }

  /** Embeddings of {@code texts}, in order, with the default prompt if the model names one. */
  public float[][] encode(List<String> texts) {
    return encode(texts, defaultPromptName == null ? null : prompts.get(defaultPromptName));
  }

  /**
   * Embeddings of {@code texts}, each prefixed with the prompt TEXT {@code prompt}, as sentence-transformers'
   * {@code encode(texts, prompt=...)}: "" for none, null for the model's default prompt (none if it names
   * none). To name one of the model's prompts, use {@link #encode(List, Prompt)} with {@link Prompt#named}.
   */
  public float[][] encode(List<String> texts, String prompt) {
    String pre = prompt == null ? promptText(Prompt.modelDefault()) : prompt;
    int promptLength = promptLength(pre);
    Encoding[] enc = new Encoding[texts.size()];
    for (int i = 0; i < enc.length; i++) {
      String t = texts.get(i);
      if (t == null) throw new NullPointerException("text " + i + " is null");
      enc[i] = tokenizer.encode(pre + t);
    }
    Integer[] order = new Integer[enc.length];
    for (int i = 0; i < order.length; i++) order[i] = i;
    Arrays.sort(order, Comparator.comparingInt((Integer i) -> -enc[i].length()));
    float[][] out = new float[enc.length][];
    // batches are cut from the longest text down, and run from the shortest batch up: the same batches, but in a
    // fresh JVM the kernels run un-compiled for their first second or two (see bench/RESULTS.md), and that time
    // is better spent on the cheap batches than on the longest one
    int batches = (order.length + batchSize - 1) / batchSize;
    for (int bi = batches - 1; bi >= 0; bi--) {
      int from = bi * batchSize, to = Math.min(order.length, from + batchSize);
      List<Encoding> rows = new ArrayList<>(to - from);
      for (int i = from; i < to; i++) rows.add(enc[order[i]]);
      float[][] e = embed(tokenizer.pad(rows), promptLength);
      for (int i = from; i < to; i++) out[order[i]] = e[i - from];
    }
    return truncate(out, truncateDim);
  }

  /**
   * Rows per forward pass on the CPU when there are at least as many such parts as threads: a batch of more
   * rows is then embedded in parts of this many rows, each padded only to its own longest row, and each
   * thread embeds whole parts with its kernels running inline, instead of every kernel being split across
   * the threads. With more threads than parts (a small batch on a large machine) the batch goes through in
   * one pass with the kernels split, as before. On this project's 2-core machine, with two threads, parts
   * took ONNX Runtime's lead from 1.5–1.6× to 1.3× on 32 sentences of 128 tokens and from 1.8–2.1× to
   * 1.6× on 512 short ones (EncodeBenchmark, see bench/RESULTS.md); one thread stayed within the noise. The parts do not depend on the thread count as
   * long as there are enough of them (one thread runs them one after another), so neither do the
   * embeddings; in one pass they can differ in the last bit.
   */
  public static final int ROWS_PER_PASS = 16;

  /** Whether batches go in parts (the default); see {@link #encodeInParts}. */
  private static volatile boolean inParts = true;

  /**
   * Turns the parts of {@link #ROWS_PER_PASS} rows on (the default) or off (one pass with every kernel split
   * across the threads) and returns the previous setting: for A/B measurements in one process (the
   * benchmarks' {@code TrainingThroughput alternate}). Read at each call; embeddings may differ in the last
   * bit between the two.
   */
  public static boolean encodeInParts(boolean on) {
    boolean previous = inParts;
    inParts = on;
    return previous;
  }

  /**
   * The parts of {@link #ROWS_PER_PASS} rows to run one per thread, each padded to its own longest row, or
   * null for one pass: a batch of at most that many rows, fewer parts than threads, a device other than
   * the CPU, or parts turned off ({@link #encodeInParts}).
   */
  private List<BatchEncoding> parts(BatchEncoding batch) {
    int n = batch.batch(), count = (n + ROWS_PER_PASS - 1) / ROWS_PER_PASS;
    if (n <= ROWS_PER_PASS || count < Parallel.threads() || !model.device().equals(Device.CPU) || !inParts) return null;
    List<BatchEncoding> parts = new ArrayList<>(count);
    for (int p = 0; p < count; p++) parts.add(batch.rows(p * ROWS_PER_PASS, Math.min(n, (p + 1) * ROWS_PER_PASS)));
    return parts;
  }

  /**
   * Embeddings of an already tokenised, padded batch (rows in batch order), {@code promptLength} tokens of
   * prompt at the start of each row (0 for none). For callers that tokenise once and embed many times.
   */
  public float[][] embed(BatchEncoding batch, int promptLength) {
    List<BatchEncoding> parts = parts(batch);
    Tensor pooled;
    try (var g = Grad.off()) {
      if (parts == null) {
        pooled = pool(model.forward(batch, false, null), batch, promptLength);
      } else {
        List<Supplier<Tensor>> work = new ArrayList<>(parts.size());
        for (BatchEncoding part : parts) work.add(() -> pool(model.forward(part, false, null), part, promptLength));
        pooled = Functional.dataParallel(work);
      }
    }
    int dim = pooled.size(-1);
    float[] flat = pooled.toFloatArray();
    float[][] out = new float[batch.batch()][];
    for (int i = 0; i < out.length; i++) out[i] = Arrays.copyOfRange(flat, i * dim, (i + 1) * dim);
    return out;
  }

  /** The embedding of one text. */
  public float[] encode(String text) {
    return encode(List.of(text))[0];
  }

  /**
   * The training path: the pooled (and, if the model normalises, normalised) embeddings of one batch as a
   * [texts, dim] tensor with its graph. With {@code training}, dropout draws from {@code generator}.
   *
   * <p>On the CPU, a batch of more than {@link #ROWS_PER_PASS} rows with at least as many parts as threads
   * runs as parts of that many rows, one per thread, forward and backward ({@link Functional#dataParallel});
   * each part's dropout draws from a generator seeded, in part order, from {@code generator}, so the masks
   * and the result do not depend on the thread count.
   */
  public Tensor forward(List<String> texts, String prompt, boolean training, Generator generator) {
    String pre = prompt == null ? "" : prompt;
    return forward(tokenize(texts, pre), promptLength(pre), training, generator);
  }

  /**
   * The training path on an already tokenised, padded batch ({@link #tokenize}), its rows starting with
   * {@code promptLength} tokens of prompt ({@link #promptLength}; 0 for none): what
   * {@link #forward(List, String, boolean, Generator)} does after tokenising, with the same parts and masks.
   */
  public Tensor forward(BatchEncoding batch, int promptLength, boolean training, Generator generator) {
    if (promptLength < 0 || promptLength > batch.seqLen()) {
      throw new IllegalArgumentException("prompt length " + promptLength + " must be in [0, " + batch.seqLen()
          + "], the batch's padded length");
    }
    List<BatchEncoding> parts = parts(batch);
    if (parts == null) return pool(model.forward(batch, training, generator), batch, promptLength);
    if (training && generator == null) throw new IllegalArgumentException("training mode needs a Generator for dropout");
    List<Supplier<Tensor>> work = new ArrayList<>(parts.size());
    for (BatchEncoding part : parts) {
      Generator g = training ? new Generator(generator.nextSeed()) : null;
      work.add(() -> pool(model.forward(part, training, g), part, promptLength));
    }
    return Functional.dataParallel(work);
  }

  private Tensor pool(Tensor tokens, BatchEncoding batch, int promptLength) {
    Tensor pooled = pooling.apply(tokens, batch, promptLength);
    return normalize ? pooled.l2Normalize() : pooled;
  }

  /**
   * The tokens a prompt adds at the start of each text, [CLS] included, as sentence-transformers counts
   * them for pooling without the prompt: the prompt's own encoding less its closing special token.
   */
  public int promptLength(String prompt) {
    if (prompt.isEmpty()) return 0;
    int[] ids = tokenizer.encode(prompt).ids();
    int n = ids.length;
    String last = tokenizer.token(ids[n - 1]);
    boolean special = false;
    for (var t : tokenizer.addedTokens()) if (t.special() && t.content().equals(last)) special = true;
    return special ? n - 1 : n;
  }

  /** How similar two embeddings are, by this model's similarity function (cosine unless configured). */
  public float similarity(float[] a, float[] b) {
    return similarity.apply(a, b);
  }

  /**
   * The length of the embeddings {@link #encode} returns: the model's width, or {@link #truncateDim()} when
   * set (sentence-transformers' {@code get_sentence_embedding_dimension}).
   */
  public int dimension() {
    return truncateDim > 0 ? truncateDim : model.config().hiddenSize();
  }

  public int batchSize() {
    return batchSize;
  }

  public int maxSeqLength() {
    return maxSeqLength;
  }

  public WordPieceTokenizer tokenizer() {
    return tokenizer;
  }

  public BertModel model() {
    return model;
  }

  public Pooling pooling() {
    return pooling;
  }

  public boolean normalizes() {
    return normalize;
  }

  public Map<String, String> prompts() {
    return prompts;
  }

  public String defaultPromptName() {
    return defaultPromptName;
  }

  public SimilarityFunction similarityFunction() {
    return similarity;
  }

  /** The model at {@code idOrPath}: a model folder, or a Hugging Face id found in the local cache ({@link HuggingFaceCache}). */
  public static SentenceEncoder load(String idOrPath) throws IOException {
    SentenceEncoder enc = load(HuggingFaceCache.fromEnvironment().resolve(idOrPath));
    enc.cardData.baseModel(idOrPath);
    return enc;
  }

  /** What the model card that {@link #save} writes says beyond the model: base model, training, results. */
  public ModelCardData modelCardData() {
    return cardData;
  }

  /**
   * The text of {@code prompt} for this model: a named prompt's text (an unknown name is refused, naming
   * the model's prompts), a text prompt itself, or the default prompt's text ("" when there is none).
   */
  public String promptText(Prompt prompt) {
    return switch (prompt) {
      case Prompt.Text t -> t.text();
      case Prompt.ModelDefault d -> defaultPromptName == null ? "" : prompts.get(defaultPromptName);
      case Prompt.Named n -> {
        String text = prompts.get(n.name());
        if (text == null) {
          throw new IllegalArgumentException("prompt name '" + n.name() + "' is not among the model's prompts "
              + new TreeSet<>(prompts.keySet()) + (prompts.isEmpty() ? " (it has none; Prompt.text gives one as text)" : ""));
        }
        yield text;
      }
    };
  }

  /**
   * Embeddings of {@code texts} with {@code prompt}, as sentence-transformers'
   * {@code encode(texts, prompt_name=...)} or {@code encode(texts, prompt=...)}.
   */
  public float[][] encode(List<String> texts, Prompt prompt) {
    return encode(texts, promptText(prompt));
  }

  /**
   * Embeddings of {@code texts} with {@code prompt}, cut to their first {@code truncateDim} dimensions
   * whatever this model's own {@link #truncateDim()} (0: whole), as sentence-transformers'
   * {@code encode(..., truncate_dim=...)}. Cut embeddings are not normalised again.
   */
  public float[][] encode(List<String> texts, Prompt prompt, int truncateDim) {
    return withTruncateDim(truncateDim).encode(texts, prompt);
  }

  /**
   * Embeddings of queries, as sentence-transformers' {@code encode_query}: with the model's {@code query}
   * prompt when it has one, else its default prompt.
   */
  public float[][] encodeQuery(List<String> queries) {
    return encode(queries, prompts.containsKey("query") ? Prompt.named("query") : Prompt.modelDefault());
  }

  /** The embedding of one query ({@link #encodeQuery(List)}). */
  public float[] encodeQuery(String query) {
    return encodeQuery(List.of(query))[0];
  }

  /**
   * Embeddings of documents, as sentence-transformers' {@code encode_document}: with the model's first
   * prompt of {@code document}, {@code passage} and {@code corpus}, else its default prompt.
   */
  public float[][] encodeDocument(List<String> documents) {
    for (String name : List.of("document", "passage", "corpus")) {
      if (prompts.containsKey(name)) return encode(documents, Prompt.named(name));
    }
    return encode(documents, Prompt.modelDefault());
  }

  /** The embedding of one document ({@link #encodeDocument(List)}). */
  public float[] encodeDocument(String document) {
    return encodeDocument(List.of(document))[0];
  }

  /**
   * The same model returning the first {@code dims} dimensions of each embedding (0: all of them), as
   * sentence-transformers' {@code truncate_dim}, for a model trained with MatryoshkaLoss. The cut comes
   * after normalisation, as there: cut embeddings are no longer unit length, which cosine similarity
   * does not mind.
   */
  public SentenceEncoder withTruncateDim(int dims) {
    if (dims == truncateDim) return this;
    return new SentenceEncoder(tokenizer, model, pooling, normalize, maxSeqLength, prompts, defaultPromptName, similarity,
        batchSize, dims, cardData);
  }

  /** The dimensions embeddings are cut to, or 0 when they are returned whole. */
  public int truncateDim() {
    return truncateDim;
  }

  private static float[][] truncate(float[][] embeddings, int dims) {
    if (dims == 0) return embeddings;
    float[][] out = new float[embeddings.length][];
    for (int i = 0; i < out.length; i++) out[i] = embeddings[i].length <= dims ? embeddings[i] : Arrays.copyOf(embeddings[i], dims);
    return out;
  }

  /**
   * The [a.length, b.length] matrix of similarities between every row of {@code a} and every row of
   * {@code b}, by this model's similarity function, as sentence-transformers' {@code similarity}.
   */
  public float[][] similarity(float[][] a, float[][] b) {
    return similarity.matrix(a, b);
  }

  /** The similarity of each row of {@code a} with the same row of {@code b}, as {@code similarity_pairwise}. */
  public float[] similarityPairwise(float[][] a, float[][] b) {
    return similarity.pairwise(a, b);
  }

  /**
   * {@code texts}, each after {@code prompt} (text, "" for none), tokenised and padded to the longest as
   * one batch for {@link #forward(BatchEncoding, int, boolean, Generator)} and {@link #embed}; the prompt
   * takes {@link #promptLength}{@code (prompt)} tokens at the start of each row.
   */
  public BatchEncoding tokenize(List<String> texts, String prompt) {
    String pre = prompt == null ? "" : prompt;
    List<Encoding> rows = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      String t = texts.get(i);
      if (t == null) throw new NullPointerException("text " + i + " is null");
      rows.add(tokenizer.encode(pre + t));
    }
    return tokenizer.pad(rows);
  }

  /**
   * A copy of every weight under its Hugging Face name, in the model's order, on the model's device: a
   * snapshot that later training does not change, as PyTorch's {@code copy.deepcopy(model.state_dict())}.
   */
  public LinkedHashMap<String, Tensor> stateDict() {
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    try (var g = Grad.off()) {
      for (var e : model.namedParameters().entrySet()) out.put(e.getKey(), e.getValue().detach().copy());
    }
    return out;
  }

  /**
   * Copies {@code state}'s values into this model's weights (on whatever device each is), as PyTorch's
   * strict {@code load_state_dict}: every weight must be there with its shape, and no other name.
   */
  public void loadStateDict(Map<String, Tensor> state) {
    Map<String, Tensor> own = model.namedParameters();
    List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>();
    for (String name : own.keySet()) if (!state.containsKey(name)) missing.add(name);
    for (String name : state.keySet()) if (!own.containsKey(name)) unexpected.add(name);
    if (!missing.isEmpty() || !unexpected.isEmpty()) {
      throw new IllegalArgumentException("state dict does not fit this model: "
          + (missing.isEmpty() ? "" : "missing " + missing.size() + " weights " + head(missing))
          + (!missing.isEmpty() && !unexpected.isEmpty() ? "; " : "")
          + (unexpected.isEmpty() ? "" : "unexpected " + unexpected.size() + " names " + head(unexpected)
              + " (the model's names look like '" + own.keySet().iterator().next() + "')"));
    }
    for (var e : own.entrySet()) {
      Tensor from = state.get(e.getKey());
      if (!Arrays.equals(from.shape(), e.getValue().shape())) {
        throw new IllegalArgumentException("state dict weight '" + e.getKey() + "' is shaped " + Arrays.toString(from.shape())
            + ", the model's " + Arrays.toString(e.getValue().shape()));
      }
    }
    try (var g = Grad.off()) {
      for (var e : own.entrySet()) e.getValue().copyFrom(state.get(e.getKey()));
    }
  }

  private static String head(List<String> names) {
    return names.size() <= 5 ? names.toString() : names.subList(0, 5) + " and " + (names.size() - 5) + " more";
  }

  /** The named parameters of the encoder, for an optimiser. */
  public Map<String, Tensor> namedParameters() {
    return model.namedParameters();
  }
}
