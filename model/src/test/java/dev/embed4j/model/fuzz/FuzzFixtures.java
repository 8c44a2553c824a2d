package dev.embed4j.model.fuzz;

import dev.embed4j.losses.SimilarityFunction;
import dev.embed4j.model.ModelFolder;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.bert.BertConfig;
import dev.embed4j.model.bert.BertModel;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The small valid inputs the fuzz tests start from: a model folder with a 40-token vocabulary (hidden 8,
 * one layer) in the sentence-transformers layout, a few ONNX ModelProtos, datasets and train configs.
 * {@link SeedCorpusTest} writes them as the committed seed corpus and checks that each one loads.
 */
final class FuzzFixtures {
  private FuzzFixtures() {}

  static final List<String> VOCAB = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "quick", "brown", "fox",
      "jumps", "over", "lazy", "dog", "hello", "world", "un", "##able", "##s", "##ing", ",", ".", "!", "?", "'", "-",
      "cat", "sat", "on", "mat", "query", ":", "passage", "is", "to", "of", "and", "in", "it", "##ed");

  /** Texts every successfully loaded model or tokenizer must encode. */
  static final List<String> TEXTS = List.of("Hello, world! The quick brown fox.", "", "unable jumps über 中文 🙂 " + "x".repeat(300));

  private static Path modelFolder;

  /** A freshly saved tiny model folder, built once per JVM; callers copy it before changing files. */
  static synchronized Path modelFolder() {
    if (modelFolder != null) return modelFolder;
    try {
      Path dir = Files.createTempDirectory("embed4j-fuzz-model");
      Path vocab = dir.resolve("vocab-src.txt");
      Files.write(vocab, VOCAB, StandardCharsets.UTF_8);
      WordPieceTokenizer tok = WordPieceTokenizer.fromVocab(vocab, true);
      Files.delete(vocab);
      BertConfig config = new BertConfig(VOCAB.size(), 8, 1, 2, 16, BertConfig.Activation.GELU, 0.1f, 0.1f, 64, 2, 1e-12f, 0);
      SentenceEncoder enc = new SentenceEncoder(tok, BertModel.randomInit(config, 7), Pooling.mean(), true, 32,
          Map.of("query", "query: "), null, SimilarityFunction.COSINE);
      Path model = dir.resolve("model");
      ModelFolder.save(enc, model);
      modelFolder = model;
      return model;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A copy of the tiny model folder in a new temporary folder. */
  static Path copyOfModelFolder() throws IOException {
    Path src = modelFolder(), dst = Files.createTempDirectory("embed4j-fuzz-work");
    try (var files = Files.walk(src)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path to = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(to);
        else Files.copy(p, to);
      }
    }
    return dst;
  }

  /** A ModelProto with a FLOAT initializer (raw data), one with packed float_data, an INT64 one and a Constant node. */
  static byte[] onnxSmallGraph() {
    ProtobufWriter w = new ProtobufWriter().varint(2, 1).varint(1, 8)
        .string(4, "ProtobufWriter").string(2, "seed").string(3, "1");
    ProtobufWriter graph = new ProtobufWriter()
        .message(1, new ProtobufWriter().string(1, "x").string(1, "w").string(2, "y").string(3, "mm").string(4, "MatMul"))
        .message(1, new ProtobufWriter().string(2, "c").string(3, "const").string(4, "Constant")
            .message(5, new ProtobufWriter().string(1, "value").varint(20, 4)
                .message(5, new ProtobufWriter().varint(1, 2).varint(2, 1).bytes(9, ProtobufWriter.floatsLE(0.5f, -1f)))))
        .string(2, "g")
        .message(5, new ProtobufWriter().varint(1, 2).varint(1, 3).varint(2, 1).string(8, "w")
            .bytes(9, ProtobufWriter.floatsLE(1, 2, 3, 4, 5, 6)))
        .message(5, new ProtobufWriter().bytes(1, new byte[] {2, 2}).varint(2, 1).string(8, "packed")
            .bytes(4, ProtobufWriter.floatsLE(1, 2, 3, 4)))
        .message(5, new ProtobufWriter().varint(1, 2).varint(2, 1).string(8, "unpacked").fixed32(4, 1.5f).fixed32(4, 2.5f))
        .message(5, new ProtobufWriter().varint(1, 3).varint(2, 7).string(8, "shape").bytes(9, ProtobufWriter.longsLE(1, -1, 8)));
    return w.message(7, graph).toByteArray();
  }

  /**
   * A ModelProto whose initializers carry the names of a BERT export's embeddings (hidden 4, vocab 6), so
   * the importer reads past its first checks.
   */
  static byte[] onnxBertNames() {
    ProtobufWriter graph = new ProtobufWriter();
    String[] names = {"embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
        "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias",
        "encoder.layer.0.attention.self.query.bias", "encoder.layer.0.attention.output.LayerNorm.weight"};
    int[][] shapes = {{6, 4}, {8, 4}, {2, 4}, {4}, {4}, {4}, {4}};
    for (int i = 0; i < names.length; i++) {
      ProtobufWriter t = new ProtobufWriter();
      int n = 1;
      for (int d : shapes[i]) {
        t.varint(1, d);
        n *= d;
      }
      float[] v = new float[n];
      for (int k = 0; k < n; k++) v[k] = (k % 7) * 0.25f - 0.5f;
      graph.message(5, t.varint(2, 1).string(8, names[i]).bytes(9, ProtobufWriter.floatsLE(v)));
    }
    graph.message(1, new ProtobufWriter().string(1, "x").string(1, "encoder.layer.0.attention.self.query.bias").string(2, "q")
        .string(4, "Add"));
    return new ProtobufWriter().varint(1, 8).message(7, graph).toByteArray();
  }

  static final String JSONL = """
      {"anchor": "what is a fox?", "positive": "a fox is a small wild dog", "score": 0.5}
      {"anchor": "lazy dog", "positive": "the dog sleeps", "score": 1}

      {"anchor": "\\u00e9t\\u00e9 \\"quoted\\"", "positive": "caf\\u00e9", "score": true}
      """;

  static final String CSV = "\uFEFFsentence1,sentence2,label\r\n"
      + "\"a, quoted \"\"field\"\"\",plain,0.25\r\n"
      + "\"two\nlines\",x,1\n"
      + "\n"
      + "last,row,-3e-2\n";

  static final String TSV = "anchor\tpositive\tnegative\n"
      + "query one\tdoc one\tdoc two\r\n"
      + "q \"2\"\td, 2\t\n";

  static final String TRAIN_YAML = """
      model: default
      output: runs/fuzz
      datasets:
        - name: pairs
          path: train.jsonl
          columns: [anchor, positive]
          loss: {type: CachedMultipleNegativesRankingLoss, scale: 20, similarity: cosine, mini_batch_size: 4}
          prompts: {anchor: "query: "}
        - path: train.jsonl
          loss: CoSENTLoss
          prompts: "x: "
      sampler: round_robin
      batch_size: 8
      max_steps: 10
      learning_rate: 2.0e-5
      warmup_ratio: 0.1
      weight_decay: 0.01
      max_grad_norm: 1.0
      seed: 7
      checkpoint_every: 5
      max_seq_length: 64
      no_duplicates: false
      device: cpu
      precision: fp32
      on_non_finite: skip
      """;

  static final String TRAIN_JSON = """
      {"model": "default", "datasets": [{"name": "d", "path": "train.jsonl", "loss": {"type": "MultipleNegativesRankingLoss",
       "similarity": "dot"}}], "epochs": 2, "sampler": "proportional"}
      """;

  /** The dataset every train config refers to (path train.jsonl, beside the config). */
  static final String TRAIN_DATA = """
      {"anchor": "a", "positive": "b", "score": 0.5}
      {"anchor": "c", "positive": "d", "score": 0.25}
      """;
}
