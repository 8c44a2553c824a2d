package dev.embed4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.cpu.Parallel;
import dev.embed4j.model.bert.BertModel;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.tokenizer.BatchEncoding;
import dev.embed4j.model.tokenizer.Encoding;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class SentenceEncoderTest {
  static final List<String> TEXTS = List.of("the cat sat on the mat", "a kitten", "stock markets fell sharply today",
      "", "Ünïcödé 中文 😀", "one two three four five six seven eight nine ten eleven twelve");

  @Test
  void meanPoolingLeavesThePromptOutWhenAsked() throws Exception {
    SentenceEncoder with = TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, true), false, 1);
    SentenceEncoder without = TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, false), false, 1);
    String prompt = "query: ";
    assertEquals(3, with.promptLength(prompt)); // [CLS] query :
    String text = "find the kitten";
    Encoding e = with.tokenizer().encode(prompt + text);
    BatchEncoding b = with.tokenizer().pad(List.of(e));
    float[] tokens;
    try (var g = Grad.off()) {
      tokens = with.model().forward(b, false, null).toFloatArray();
    }
    int dim = with.dimension(), n = e.length();
    float[] all = new float[dim], afterPrompt = new float[dim];
    for (int t = 0; t < n; t++) {
      for (int d = 0; d < dim; d++) {
        all[d] += tokens[t * dim + d] / n;
        if (t >= 3) afterPrompt[d] += tokens[t * dim + d] / (n - 3);
      }
    }
    assertArrayEquals(all, with.encode(List.of(text), prompt)[0], 1e-5f);
    assertArrayEquals(afterPrompt, without.encode(List.of(text), prompt)[0], 1e-5f);
    // without a prompt both pool every token
    assertArrayEquals(with.encode(List.of(text))[0], without.encode(List.of(text))[0], 0f);
  }

  @Test
  void clsAndMaxPoolingAndNormalisation() throws Exception {
    SentenceEncoder cls = TinyModels.encoder(new Pooling(Pooling.Mode.CLS, true), false, 2);
    SentenceEncoder max = TinyModels.encoder(new Pooling(Pooling.Mode.MAX, true), true, 2);
    String text = "pooling by the first token";
    Encoding e = cls.tokenizer().encode(text);
    float[] tokens;
    try (var g = Grad.off()) {
      tokens = cls.model().forward(cls.tokenizer().pad(List.of(e)), false, null).toFloatArray();
    }
    int dim = cls.dimension();
    assertArrayEquals(java.util.Arrays.copyOf(tokens, dim), cls.encode(text), 0f);
    float[] m = new float[dim];
    java.util.Arrays.fill(m, Float.NEGATIVE_INFINITY);
    for (int t = 0; t < e.length(); t++) for (int d = 0; d < dim; d++) m[d] = Math.max(m[d], tokens[t * dim + d]);
    double norm = 0;
    for (float v : m) norm += v * v;
    for (int d = 0; d < dim; d++) m[d] /= (float) Math.sqrt(norm);
    assertArrayEquals(m, max.encode(text), 1e-6f);
    assertEquals(1f, max.similarity(max.encode(text), max.encode(text)), 1e-6f);
  }

  @Test
  void aDeviceWithoutABackendIsRefusedNamingIt() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, true), true, 4);
    assertEquals(Device.CPU, enc.device());
    assertTrue(enc.withDevice(Device.CPU) == enc, "already there: the same encoder");
    // engine and model alone have no CUDA backend on their class path (it lives in embed4j-native)
    var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> enc.withDevice(Device.cuda(0)));
    assertTrue(e.getMessage().contains("cuda:0") && e.getMessage().contains("embed4j-native"), e.getMessage());
    assertEquals(Device.CPU, enc.device(), "the encoder it was asked of is untouched");
  }

  @Test
  void resultsDoNotDependOnBatchSizeOrOrder() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(Pooling.mean(), true, 3);
    float[][] one = enc.withBatchSize(1).encode(TEXTS);
    float[][] all = enc.withBatchSize(64).encode(TEXTS);
    List<String> reversed = new ArrayList<>(TEXTS);
    java.util.Collections.reverse(reversed);
    float[][] rev = enc.withBatchSize(4).encode(reversed);
    for (int i = 0; i < TEXTS.size(); i++) {
      assertArrayEquals(one[i], all[i], 1e-5f, "text " + i);
      assertArrayEquals(one[i], rev[TEXTS.size() - 1 - i], 1e-5f, "text " + i);
    }
  }

  /**
   * Inference keeps each layer's concatenated query/key/value weights between calls; a weight written in place
   * afterwards (as an optimiser step writes it) must be seen by the next encode: the result equals a fresh model
   * built from the updated weights, bit for bit, and differs from the result before the update.
   */
  @Test
  void inferenceSeesWeightsWrittenInPlace() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(Pooling.mean(), true, 5);
    float[][] before = enc.encode(TEXTS);
    assertArrayEquals(before[2], enc.encode(TEXTS)[2], "a second encode with the kept weights is the same");
    for (String name : List.of("encoder.layer.1.attention.self.key.weight", "encoder.layer.0.attention.self.value.bias")) {
      Tensor w = enc.namedParameters().get(name);
      float[] delta = new float[w.numel()];
      for (int i = 0; i < delta.length; i++) delta[i] = (i % 3 - 1) * 0.05f;
      try (var g = Grad.off()) {
        w.addInPlace(Tensor.of(delta, w.shape()));
      }
      float[][] after = enc.encode(TEXTS);
      java.util.Map<String, Tensor> copy = new java.util.LinkedHashMap<>();
      try (var g = Grad.off()) {
        for (var e : enc.namedParameters().entrySet()) copy.put(e.getKey(), e.getValue().copy());
      }
      SentenceEncoder fresh = new SentenceEncoder(enc.tokenizer(), new BertModel(enc.model().config(), copy),
          Pooling.mean(), true, 128, enc.prompts(), null, enc.similarityFunction());
      float[][] want = fresh.encode(TEXTS);
      for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(want[i], after[i], name + ", text " + i);
      assertFalse(java.util.Arrays.equals(before[0], after[0]), name + " changed nothing");
      before = after;
    }
  }

  /**
   * A batch of more than {@link SentenceEncoder#ROWS_PER_PASS} rows goes through in parts, on one thread
   * or on parts-per-thread: the same bits either way; with more threads than parts, in one pass; and what
   * each row gets embedded alone (to float rounding: alone it is padded differently).
   */
  @Test
  void aBatchInPartsGivesTheSameEmbeddingsOnOneOrTwoThreads() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(Pooling.mean(), true, 4);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 3 * SentenceEncoder.ROWS_PER_PASS + 5; i++) texts.add(TEXTS.get(i % TEXTS.size()) + " " + i);
    BatchEncoding batch = enc.tokenizer().pad(texts.stream().map(t -> enc.tokenizer().encode(t)).toList());
    int before = Parallel.threads();
    try {
      Parallel.setThreads(1);
      float[][] one = enc.embed(batch, 0);
      Parallel.setThreads(2);
      float[][] two = enc.embed(batch, 0);
      assertEquals(texts.size(), two.length);
      Parallel.setThreads(8); // more threads than the 4 parts: one pass, kernels split
      float[][] eight = enc.embed(batch, 0);
      for (int i = 0; i < one.length; i++) {
        assertArrayEquals(one[i], two[i], 0f, "row " + i);
        assertArrayEquals(one[i], eight[i], 1e-6f, "row " + i + " in one pass");
        assertArrayEquals(enc.embed(batch.rows(i, i + 1), 0)[0], one[i], 1e-6f, "row " + i + " alone");
      }
    } finally {
      Parallel.setThreads(before);
    }
  }

  /**
   * The training forward of a batch of more than {@link SentenceEncoder#ROWS_PER_PASS} rows runs in parts,
   * one per thread, forward and backward: embeddings and every parameter gradient are the same bits on one
   * thread and on two, with dropout on.
   */
  @Test
  void aTrainingBatchInPartsGivesTheSameGradientsOnOneOrTwoThreads() throws Exception {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 2 * SentenceEncoder.ROWS_PER_PASS + 3; i++) texts.add(TEXTS.get(i % TEXTS.size()) + " word " + i);
    int before = Parallel.threads();
    try {
      List<float[]> results = new ArrayList<>();
      for (int threads : new int[] {1, 2}) {
        Parallel.setThreads(threads);
        SentenceEncoder enc = TinyModels.encoder(Pooling.mean(), true, 4);
        var params = enc.namedParameters();
        for (Tensor p : params.values()) p.requiresGrad(true);
        Tensor e = enc.forward(texts, "query: ", true, new Generator(21));
        e.mul(Tensor.randn(8, e.shape())).sum().backward();
        results.add(e.toFloatArray());
        for (var entry : params.entrySet()) {
          Tensor g = entry.getValue().grad();
          assertNotNull(g, entry.getKey() + " has no gradient");
          results.add(g.toFloatArray());
        }
      }
      int half = results.size() / 2;
      for (int i = 0; i < half; i++) assertArrayEquals(results.get(i), results.get(half + i), 0f, "result " + i);
    } finally {
      Parallel.setThreads(before);
    }
  }

  @Test
  void manyThreadsGetWhatOneThreadGets() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(Pooling.mean(), true, 4).withBatchSize(4);
    float[][] expected = enc.encode(TEXTS);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<float[][]>> futures = new ArrayList<>();
      for (int i = 0; i < 32; i++) futures.add(pool.submit(() -> enc.encode(TEXTS)));
      for (Future<float[][]> f : futures) {
        float[][] got = f.get();
        for (int i = 0; i < expected.length; i++) assertArrayEquals(expected[i], got[i], 0f);
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void aOneMegabyteTextIsTruncatedNotFatal() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(Pooling.mean(), true, 5);
    StringBuilder sb = new StringBuilder(1 << 20);
    while (sb.length() < (1 << 20)) sb.append("lorem ipsum dolor sit amet ");
    String big = sb.toString();
    assertEquals(128, enc.tokenizer().encode(big).length());
    float[] e = enc.encode(big);
    assertEquals(enc.dimension(), e.length);
    for (float v : e) assertTrue(Float.isFinite(v));
    // the start decides: the same first 128 tokens give the same embedding
    assertArrayEquals(enc.encode(big.substring(0, 2000)), e, 1e-6f);
  }

  @Test
  void trainingForwardHasGradientsAndReplayableDropout() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(Pooling.mean(), true, 6);
    List<String> batch = List.of("first text", "the second one is longer");
    Generator g = new Generator(42);
    long state = g.state();
    Tensor a = enc.forward(batch, "query: ", true, g);
    g.setState(state);
    Tensor b = enc.forward(batch, "query: ", true, g);
    assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 0f, "same generator state, same dropout masks");
    Tensor eval = enc.forward(batch, "query: ", false, null);
    assertFalse(java.util.Arrays.equals(a.toFloatArray(), eval.toFloatArray()), "dropout changes the training output");
    a.mul(Tensor.randn(9, a.shape())).sum().backward();
    int withGrad = 0;
    for (var e : enc.namedParameters().entrySet()) {
      if (e.getKey().startsWith("embeddings.token_type") || e.getKey().startsWith("embeddings.position")) continue;
      assertNotNull(e.getValue().grad(), e.getKey());
      withGrad++;
    }
    assertEquals(enc.namedParameters().size() - 2, withGrad);
    assertEquals(5 + 16 * 2, enc.namedParameters().size());
    for (Tensor p : enc.model().parameters()) p.zeroGrad();
  }

  @Test
  void encodingTenThousandSentencesKeepsTheHeapFlat() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(Pooling.mean(), true, 7).withBatchSize(64);
    List<String> chunk = new ArrayList<>();
    for (int i = 0; i < 1000; i++) chunk.add("sentence number " + i + " with some words " + (i % 13 == 0 ? "and a longer tail of extra words" : ""));
    long[] used = new long[10];
    for (int r = 0; r < 10; r++) {
      enc.encode(chunk); // results dropped: only what the encoder keeps could grow
      used[r] = usedHeapAfterGc();
    }
    long growth = used[9] - used[2];
    System.out.printf("heap after GC while encoding 10,000 sentences (MB): %s%n",
        java.util.Arrays.stream(used).mapToObj(u -> String.valueOf(u >> 20)).toList());
    assertTrue(growth < (8 << 20), "heap grew by " + (growth >> 20) + " MB between the 3rd and 10th thousand");
  }

  private static long usedHeapAfterGc() {
    var mem = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 2; i++) System.gc();
    return mem.getHeapMemoryUsage().getUsed();
  }

  @Test
  void parametersAreNamedLikeHuggingFaceAndRequireGrad() throws Exception {
    BertModel m = TinyModels.encoder(Pooling.mean(), true, 8).model();
    assertTrue(m.namedParameters().containsKey("encoder.layer.1.attention.self.query.weight"));
    assertArrayEquals(new int[] {64, 32}, m.namedParameters().get("encoder.layer.0.intermediate.dense.weight").shape());
    for (Tensor p : m.parameters()) assertTrue(p.requiresGrad());
  }
}
