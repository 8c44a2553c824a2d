package dev.embed4j.model.bert;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.Functional;
import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.backend.Backends;
import dev.embed4j.model.tokenizer.BatchEncoding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The BERT encoder on the engine's ops: word + position + token-type embeddings and LayerNorm, then
 * {@code numLayers} post-LN transformer layers (multi-head self-attention through the fused attention op,
 * a GELU feed-forward, each with dropout, a residual and LayerNorm). Its output is the last hidden state,
 * [batch, seq, hidden].
 *
 * <p>Parameters are leaf tensors that require gradients, named as Hugging Face's BertModel names them
 * ({@code encoder.layer.0.attention.self.query.weight}, ...); Linear weights are [out, in] as in
 * PyTorch and enter the GEMM transposed by flag, never copied. Activations stay [batch·seq, hidden] so each
 * projection is one GEMM; query, key and value are one GEMM against their concatenated weights.
 *
 * <p>Forward passes only read the parameters, so any number of threads may run them at once. Dropout on
 * attention probabilities (attention_probs_dropout_prob, inside the fused attention op) and on hidden states
 * (hidden_dropout_prob) are applied in training mode, as Hugging Face BERT applies them.
 */
public final class BertModel {
  private final BertConfig config;
  private final Map<String, Tensor> params;
  /** Per layer, the concatenated query/key/value weight and bias that inference reuses (see {@link #qkv}). */
  private final AtomicReferenceArray<FusedQkv> fusedQkv;

  /** Takes {@code weights} (Hugging Face names, no prefix), checking every tensor the config needs. */
  public BertModel(BertConfig config, Map<String, Tensor> weights) {
    this.config = config;
    this.fusedQkv = new AtomicReferenceArray<>(config.numLayers());
    Map<String, int[]> expected = expectedShapes(config);
    Map<String, Tensor> p = new LinkedHashMap<>();
    for (var e : expected.entrySet()) {
      Tensor t = weights.get(e.getKey());
      if (t == null) {
        throw new ModelConfigException("weight '" + e.getKey() + "' " + Arrays.toString(e.getValue())
            + " is missing (" + weights.size() + " weights given)");
      }
      if (!Arrays.equals(t.shape(), e.getValue())) {
        throw new ModelConfigException("weight '" + e.getKey() + "' has shape " + Arrays.toString(t.shape())
            + " but the config needs " + Arrays.toString(e.getValue()));
      }
      p.put(e.getKey(), t.requiresGrad(true));
    }
    this.params = Collections.unmodifiableMap(p);
  }

  /** A freshly initialised encoder, as BERT initialises one: N(0, 0.02) weights, zero biases, unit LayerNorm. */
  public static BertModel randomInit(BertConfig config, long seed) {
    Random r = new Random(seed);
    Map<String, Tensor> w = new LinkedHashMap<>();
    for (var e : expectedShapes(config).entrySet()) {
      float[] d = new float[Tensor.numel(e.getValue())];
      String n = e.getKey();
      if (n.endsWith("LayerNorm.weight")) Arrays.fill(d, 1f);
      else if (!n.endsWith(".bias")) for (int i = 0; i < d.length; i++) d[i] = (float) (0.02 * r.nextGaussian());
      w.put(n, wrap(d, e.getValue()));
    }
    return new BertModel(config, w);
  }

  static Tensor wrap(float[] d, int[] shape) {
    return new Tensor(Backends.cpu().upload(d), 0, shape, Tensor.contiguousStrides(shape));
  }

  /** Every parameter's name and shape, in Hugging Face's order. */
  public static Map<String, int[]> expectedShapes(BertConfig c) {
    Map<String, int[]> m = new LinkedHashMap<>();
    int h = c.hiddenSize(), in = c.intermediateSize();
    m.put("embeddings.word_embeddings.weight", new int[] {c.vocabSize(), h});
    m.put("embeddings.position_embeddings.weight", new int[] {c.maxPositions(), h});
    m.put("embeddings.token_type_embeddings.weight", new int[] {c.typeVocabSize(), h});
    m.put("embeddings.LayerNorm.weight", new int[] {h});
    m.put("embeddings.LayerNorm.bias", new int[] {h});
    for (int l = 0; l < c.numLayers(); l++) {
      String p = "encoder.layer." + l + ".";
      for (String qkv : List.of("query", "key", "value")) {
        m.put(p + "attention.self." + qkv + ".weight", new int[] {h, h});
        m.put(p + "attention.self." + qkv + ".bias", new int[] {h});
      }
      m.put(p + "attention.output.dense.weight", new int[] {h, h});
      m.put(p + "attention.output.dense.bias", new int[] {h});
      m.put(p + "attention.output.LayerNorm.weight", new int[] {h});
      m.put(p + "attention.output.LayerNorm.bias", new int[] {h});
      m.put(p + "intermediate.dense.weight", new int[] {in, h});
      m.put(p + "intermediate.dense.bias", new int[] {in});
      m.put(p + "output.dense.weight", new int[] {h, in});
      m.put(p + "output.dense.bias", new int[] {h});
      m.put(p + "output.LayerNorm.weight", new int[] {h});
      m.put(p + "output.LayerNorm.bias", new int[] {h});
    }
    return m;
  }

  public BertConfig config() {
    return config;
  }

  /** The parameters by Hugging Face name, in order; the map is read-only, the tensors are the live ones. */
  public Map<String, Tensor> namedParameters() {
    return params;
  }

  public List<Tensor> parameters() {
    return new ArrayList<>(params.values());
  }

  /** The device the weights live on. */
  public Device device() {
    return p("embeddings.word_embeddings.weight").device();
  }

  /**
   * This model with its weights copied to {@code device} (this one if they are there already): a new
   * model whose parameters are leaves of their own, for inference or training on that device.
   */
  public BertModel to(Device device) {
    if (device.equals(device())) return this;
    Map<String, Tensor> moved = new LinkedHashMap<>();
    try (var g = Grad.off()) {
      for (var e : params.entrySet()) moved.put(e.getKey(), e.getValue().to(device));
    }
    return new BertModel(config, moved);
  }

  private Tensor p(String name) {
    return params.get(name);
  }

  /**
   * The last hidden state, [batch, seq, hidden], of a padded batch. With {@code training} on, dropout
   * draws its masks from {@code generator} (which may be null otherwise).
   */
  public Tensor forward(BatchEncoding batch, boolean training, Generator generator) {
    int b = batch.batch(), s = batch.seqLen(), h = config.hiddenSize();
    if (s > config.maxPositions()) {
      throw new IllegalArgumentException("sequence of " + s + " tokens is longer than the model's "
          + config.maxPositions() + " positions; truncate it (the tokenizer's max length)");
    }
    for (int id : batch.ids()) {
      if (id < 0 || id >= config.vocabSize()) {
        throw new IllegalArgumentException("token id " + id + " is outside the model's vocabulary of " + config.vocabSize());
      }
    }
    int[] positions = new int[s];
    for (int i = 0; i < s; i++) positions[i] = i;
    Tensor words = Functional.embedding(p("embeddings.word_embeddings.weight"), batch.ids(), b, s);
    Tensor types = Functional.embedding(p("embeddings.token_type_embeddings.weight"), batch.typeIds(), b, s);
    Tensor pos = Functional.embedding(p("embeddings.position_embeddings.weight"), positions, s);
    Tensor x = words.add(types).add(pos).reshape(b * s, h);
    x = Functional.layerNorm(x, p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"), config.layerNormEps());
    x = dropout(x, training, generator);

    float[] maskValues = new float[b * s];
    for (int i = 0; i < maskValues.length; i++) maskValues[i] = batch.attentionMask()[i];
    Tensor mask = wrap(maskValues, new int[] {b, s}).to(device());
    for (int l = 0; l < config.numLayers(); l++) x = layer(l, x, mask, b, s, training, generator);
    return x.reshape(b, s, h);
  }

  private Tensor layer(int l, Tensor x, Tensor mask, int b, int s, boolean training, Generator gen) {
    String p = "encoder.layer." + l + ".";
    int h = config.hiddenSize(), heads = config.numHeads();
    FusedQkv f = qkv(l);
    Tensor qkv = Functional.linear(x, f.weight(), f.bias()).reshape(b, s, 3 * h); // each token's query | key | value
    boolean drop = training && config.attentionDropout() > 0f;
    // heads read where the projection wrote them, the context written in token order (no head copies)
    Tensor ctx = Functional.qkvAttention(qkv, heads, mask, drop ? config.attentionDropout() : 0f,
        drop ? requireGenerator(gen) : null).reshape(b * s, h);
    // dropout(linear(ctx)) + x in one op: the dropout and the residual add run in the GEMM's epilogue
    float hidden = training ? config.hiddenDropout() : 0f;
    Generator hiddenGen = hidden > 0f ? requireGenerator(gen) : null;
    x = Functional.layerNorm(Functional.linearDropoutAdd(ctx, p(p + "attention.output.dense.weight"),
        p(p + "attention.output.dense.bias"), hidden, hiddenGen, x), p(p + "attention.output.LayerNorm.weight"),
        p(p + "attention.output.LayerNorm.bias"), config.layerNormEps());
    Tensor inner = config.hiddenAct() == BertConfig.Activation.GELU
        ? Functional.linearGelu(x, p(p + "intermediate.dense.weight"), p(p + "intermediate.dense.bias"))
        : activation(linear(x, p + "intermediate.dense"));
    return Functional.layerNorm(Functional.linearDropoutAdd(inner, p(p + "output.dense.weight"),
        p(p + "output.dense.bias"), hidden, hiddenGen, x), p(p + "output.LayerNorm.weight"),
        p(p + "output.LayerNorm.bias"), config.layerNormEps());
  }

  /**
   * Query, key and value weights (and biases) of layer {@code l} concatenated along the output dimension, so the
   * three projections are one GEMM. With gradients on, a fresh concatenation in the graph, through which the
   * gradient reaches the three leaves. With gradients off (inference) the concatenation is kept and reused while
   * the six source storages are unchanged (their write counts, {@code Storage.version()}): a fresh copy each
   * forward pass also meant a fresh GEMM packing of it, 1,152 × 384 floats scattered per layer per pass, about 5 %
   * of encoding 512 short sentences and 1 % more for the copy. Costs one more copy of these weights (and its
   * packing) in memory. Storages that do not count writes (-1) are concatenated afresh every time.
   */
  private FusedQkv qkv(int l) {
    String p = "encoder.layer." + l + ".attention.self.";
    Tensor[] sources = {p(p + "query.weight"), p(p + "key.weight"), p(p + "value.weight"), p(p + "query.bias"),
        p(p + "key.bias"), p(p + "value.bias")};
    boolean keep = !Grad.isEnabled();
    if (keep) {
      FusedQkv kept = fusedQkv.get(l);
      if (kept != null && kept.validFor(sources)) return kept;
    }
    long[] versions = new long[sources.length]; // read before the values: a write during the copy makes it stale
    for (int i = 0; i < sources.length; i++) versions[i] = sources[i].storage().version();
    FusedQkv made = new FusedQkv(Tensor.concat(List.of(sources[0], sources[1], sources[2]), 0),
        Tensor.concat(List.of(sources[3], sources[4], sources[5]), 0), sources, versions);
    if (keep) fusedQkv.set(l, made);
    return made;
  }

  /** A layer's concatenated query/key/value weight and bias, and the sources' write counts when it was made. */
  private record FusedQkv(Tensor weight, Tensor bias, Tensor[] sources, long[] versions) {
    boolean validFor(Tensor[] now) {
      for (int i = 0; i < now.length; i++) {
        if (sources[i] != now[i] || versions[i] < 0 || now[i].storage().version() != versions[i]) return false;
      }
      return true;
    }
  }

  private Tensor linear(Tensor x, String name) {
    return Functional.linear(x, p(name + ".weight"), p(name + ".bias"));
  }

  private Tensor activation(Tensor x) {
    return switch (config.hiddenAct()) {
      case GELU -> x.gelu();
      case RELU -> x.relu();
      case GELU_TANH -> { // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        Tensor inner = x.add(x.mul(x).mul(x).mul(0.044715f)).mul((float) Math.sqrt(2 / Math.PI));
        yield x.mul(inner.tanh().add(1f)).mul(0.5f);
      }
    };
  }

  private Tensor dropout(Tensor x, boolean training, Generator gen) {
    if (!training || config.hiddenDropout() == 0f) return x;
    return Functional.dropout(x, config.hiddenDropout(), requireGenerator(gen));
  }

  private static Generator requireGenerator(Generator gen) {
    if (gen == null) throw new IllegalArgumentException("training mode needs a Generator for dropout");
    return gen;
  }
}
