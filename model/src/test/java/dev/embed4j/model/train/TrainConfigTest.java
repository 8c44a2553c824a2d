package dev.embed4j.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Generator;
import dev.embed4j.losses.AnglELoss;
import dev.embed4j.losses.CachedGISTEmbedLoss;
import dev.embed4j.losses.CachedMatryoshkaLoss;
import dev.embed4j.losses.CachedMultipleNegativesRankingLoss;
import dev.embed4j.losses.CoSENTLoss;
import dev.embed4j.losses.Direction;
import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.losses.GISTEmbedLoss;
import dev.embed4j.losses.HardnessMode;
import dev.embed4j.losses.MarginMSELoss;
import dev.embed4j.losses.MatryoshkaLoss;
import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.losses.PartitionMode;
import dev.embed4j.losses.SimilarityFunction;
import dev.embed4j.losses.TripletLoss;
import dev.embed4j.model.TinyModels;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.data.BatchSamplers;
import dev.embed4j.model.data.PromptedText;
import dev.embed4j.model.eval.EmbeddingSimilarityEvaluator;
import dev.embed4j.model.eval.InformationRetrievalEvaluator;
import dev.embed4j.model.eval.MatryoshkaEvaluator;
import dev.embed4j.model.eval.SequentialEvaluator;
import dev.embed4j.model.eval.TripletEvaluator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every key that {@code train CONFIG} reads: what it builds, and the error that names it when it is wrong. */
class TrainConfigTest {
  @TempDir Path dir;

  private void data() throws Exception {
    StringBuilder pairs = new StringBuilder(), triplets = new StringBuilder(), scored = new StringBuilder(),
        margins = new StringBuilder(), labelled = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      pairs.append("{\"anchor\": \"what is thing ").append(i).append("\", \"positive\": \"thing ").append(i).append(" is here\"}\n");
      triplets.append("{\"anchor\": \"a ").append(i).append("\", \"positive\": \"p ").append(i).append("\", \"negative\": \"n ")
          .append(i).append("\"}\n");
      scored.append("{\"sentence1\": \"s ").append(i).append("\", \"sentence2\": \"t ").append(i).append("\", \"score\": ")
          .append(i % 5 / 4.0).append("}\n");
      margins.append("{\"query\": \"q ").append(i).append("\", \"positive\": \"p ").append(i).append("\", \"negative\": \"n ")
          .append(i).append("\", \"score\": ").append(i % 3).append("}\n");
      labelled.append("{\"text\": \"t ").append(i).append("\", \"other\": \"o ").append(i).append("\", \"label\": ").append(i % 4).append("}\n");
    }
    Files.writeString(dir.resolve("pairs.jsonl"), pairs);
    Files.writeString(dir.resolve("triplets.jsonl"), triplets);
    Files.writeString(dir.resolve("scored.jsonl"), scored);
    Files.writeString(dir.resolve("margins.jsonl"), margins);
    Files.writeString(dir.resolve("labelled.jsonl"), labelled);
  }

  private TrainConfig read(String yaml) throws Exception {
    data();
    Path f = dir.resolve("train.yaml");
    Files.writeString(f, yaml);
    return TrainConfig.read(f);
  }

  /** The config error for this YAML; its message must contain every one of {@code expected}. */
  private void fails(String yaml, String... expected) {
    var e = assertThrows(TrainConfig.ConfigException.class, () -> read(yaml));
    for (String x : expected) assertTrue(e.getMessage().contains(x), "'" + x + "' not in: " + e.getMessage());
  }

  private static String one(String path, String loss) {
    return "datasets:\n  - path: " + path + "\n    loss: " + loss + "\n";
  }

  private Object inner(EncoderLoss<PromptedText> l) {
    return l instanceof EncoderLoss.OfEmbeddings<PromptedText> o ? o.loss() : l;
  }

  @Test
  void theNewLossesAndTheirKeys() throws Exception {
    TripletLoss t = (TripletLoss) inner(read(one("triplets.jsonl", "{type: TripletLoss, distance_metric: cosine, triplet_margin: 0.5}"))
        .tasks.get(0).loss());
    assertEquals(TripletLoss.DistanceMetric.COSINE, t.metric());
    assertEquals(0.5f, t.margin());
    assertEquals(5f, ((TripletLoss) inner(read(one("triplets.jsonl", "TripletLoss")).tasks.get(0).loss())).margin());
    MarginMSELoss m = (MarginMSELoss) inner(read(one("margins.jsonl", "MarginMSELoss")).tasks.get(0).loss());
    assertEquals(SimilarityFunction.DOT, m.similarity(), "MarginMSE's default similarity is the dot product");
    AnglELoss a = (AnglELoss) inner(read(one("scored.jsonl", "{type: AnglELoss, scale: 10}")).tasks.get(0).loss());
    assertEquals(10f, a.scale());
    assertInstanceOf(CoSENTLoss.class, inner(read(one("scored.jsonl", "CoSENTLoss")).tasks.get(0).loss()));

    fails(one("triplets.jsonl", "{type: TripletLoss, scale: 20}"), "datasets[0].loss", "unknown key 'scale'", "triplet_margin");
    fails(one("triplets.jsonl", "{type: TripletLoss, triplet_margin: big}"), "'triplet_margin' must be a number");
    fails(one("triplets.jsonl", "{type: TripletLoss, distance_metric: chebyshev}"), "'distance_metric'", "euclidean, cosine, manhattan");
    fails(one("pairs.jsonl", "TripletLoss"), "datasets[0].loss", "three text columns", "[anchor, positive]");
    fails(one("pairs.jsonl", "AnglELoss"), "score column");
    fails(one("pairs.jsonl", "HardnessLoss"), "unknown loss 'HardnessLoss'", "AnglELoss", "CachedGISTEmbedLoss");
    fails(one("pairs.jsonl", "{scale: 3}"), "'type' must be a string (missing)");
    fails(one("pairs.jsonl", "[1, 2]"), "expected a loss name or a mapping");
  }

  @Test
  void rankingLossesTakeDirectionsPartitionModeAndHardness() throws Exception {
    var set = (MultipleNegativesRankingLoss) inner(read(one("pairs.jsonl", "{type: MultipleNegativesRankingLoss,"
        + " directions: [query_to_doc, doc_to_query], partition_mode: per_direction, hardness_mode: in_batch_negatives,"
        + " hardness_strength: 9}")).tasks.get(0).loss());
    assertEquals(EnumSet.of(Direction.QUERY_TO_DOC, Direction.DOC_TO_QUERY), set.directions());
    assertEquals(PartitionMode.PER_DIRECTION, set.partitionMode());
    assertEquals(HardnessMode.IN_BATCH_NEGATIVES, set.hardnessMode());
    assertEquals(9f, set.hardnessStrength());
    var plain = (MultipleNegativesRankingLoss) inner(read(one("pairs.jsonl", "MultipleNegativesRankingLoss")).tasks.get(0).loss());
    assertEquals(EnumSet.of(Direction.QUERY_TO_DOC), plain.directions());
    assertEquals(PartitionMode.JOINT, plain.partitionMode());
    assertNull(plain.hardnessMode());
    assertEquals(0f, plain.hardnessStrength());
    var everyDirection = (MultipleNegativesRankingLoss) inner(read(one("pairs.jsonl", "{type: MultipleNegativesRankingLoss,"
        + " directions: [query_to_doc, query_to_query, doc_to_query, doc_to_doc], hardness_mode: null}")).tasks.get(0).loss());
    assertEquals(EnumSet.allOf(Direction.class), everyDirection.directions());
    assertNull(everyDirection.hardnessMode(), "hardness_mode: null is none");
    var cached = (CachedMultipleNegativesRankingLoss<PromptedText>) read(one("triplets.jsonl",
        "{type: CachedMultipleNegativesRankingLoss, mini_batch_size: 4, hardness_mode: hard_negatives, hardness_strength: 5,"
            + " directions: [query_to_doc, doc_to_doc]}")).tasks.get(0).loss();
    assertEquals(HardnessMode.HARD_NEGATIVES, cached.loss().hardnessMode());
    assertEquals(5f, cached.loss().hardnessStrength());
    assertEquals(EnumSet.of(Direction.QUERY_TO_DOC, Direction.DOC_TO_DOC), cached.loss().directions());

    String mnrl = "{type: MultipleNegativesRankingLoss, ";
    fails(one("pairs.jsonl", mnrl + "directions: [query_to_doc, doc_to_docs]}"), "datasets[0].loss", "'directions' values must be",
        "query_to_doc, query_to_query, doc_to_query, doc_to_doc", "doc_to_docs");
    fails(one("pairs.jsonl", mnrl + "directions: query_to_doc}"), "'directions' must be a list", "doc_to_doc");
    fails(one("pairs.jsonl", mnrl + "directions: []}"), "'directions' must be a list of one or more");
    fails(one("pairs.jsonl", mnrl + "directions: [doc_to_query]}"), "'directions' must include query_to_doc");
    fails(one("pairs.jsonl", mnrl + "partition_mode: sideways}"), "'partition_mode' must be one of joint, per_direction");
    fails(one("pairs.jsonl", mnrl + "partition_mode: per_direction, directions: [query_to_doc, query_to_query]}"),
        "'partition_mode: per_direction'", "query_to_query", "joint");
    fails(one("pairs.jsonl", mnrl + "hardness_mode: hardest, hardness_strength: 5}"),
        "'hardness_mode' must be one of in_batch_negatives, hard_negatives, all_negatives", "hardest");
    fails(one("pairs.jsonl", mnrl + "hardness_mode: all_negatives}"), "'hardness_mode' needs 'hardness_strength' above 0");
    fails(one("pairs.jsonl", mnrl + "hardness_mode: all_negatives, hardness_strength: 0}"), "'hardness_mode' needs");
    fails(one("pairs.jsonl", mnrl + "hardness_mode: all_negatives, hardness_strength: -1}"), "'hardness_strength' must be ≥ 0");
    fails(one("pairs.jsonl", mnrl + "hardness_strength: 5}"), "'hardness_strength' needs 'hardness_mode'");
    fails(one("pairs.jsonl", mnrl + "hardness_mode: all_negatives, hardness_strength: strong}"),
        "'hardness_strength' must be a number");
    fails(one("pairs.jsonl", "{type: MultipleNegativesSymmetricRankingLoss, hardness_mode: in_batch_negatives}"),
        "unknown key 'hardness_mode'");
    fails(one("pairs.jsonl", "{type: CachedMultipleNegativesSymmetricRankingLoss, directions: [query_to_doc]}"),
        "unknown key 'directions'");
  }

  @Test
  void cachedLossesTakeAMiniBatchSizeAndATokenBudgetCountedByTheBoundModel() throws Exception {
    TrainConfig c = read(one("pairs.jsonl", "{type: CachedMultipleNegativesRankingLoss, mini_batch_size: 4, mini_batch_num_tokens: 64}"));
    var loss = (CachedMultipleNegativesRankingLoss<PromptedText>) c.tasks.get(0).loss();
    assertEquals(4, loss.miniBatches().miniBatchSize());
    assertEquals(64, loss.miniBatches().miniBatchNumTokens());
    List<PromptedText> texts = List.of(PromptedText.of("cat"), PromptedText.of("dog"));
    assertThrows(IllegalStateException.class, () -> loss.miniBatches().bounds(texts), "counting tokens needs bind(model)");
    c.bind(new EncoderTrainable(TinyModels.encoder(Pooling.mean(), true, 1)));
    assertEquals(2, loss.miniBatches().bounds(texts).length, "two inputs of 3 tokens, a budget of 64: one mini-batch");

    var tokensOnly = (CachedMultipleNegativesRankingLoss<PromptedText>) read(one("pairs.jsonl",
        "{type: CachedMultipleNegativesRankingLoss, mini_batch_num_tokens: 64}")).tasks.get(0).loss();
    assertEquals(Integer.MAX_VALUE, tokensOnly.miniBatchSize(), "a token budget alone sets no count limit");
    fails(one("pairs.jsonl", "{type: CachedMultipleNegativesRankingLoss, mini_batch_num_tokens: 0}"), "'mini_batch_num_tokens' must be at least 1");
    fails(one("pairs.jsonl", "{type: CachedMultipleNegativesRankingLoss, mini_batch_size: 2.5}"), "'mini_batch_size' must be an integer");
    fails(one("pairs.jsonl", "{type: MultipleNegativesRankingLoss, mini_batch_size: 4}"), "unknown key 'mini_batch_size'");
  }

  @Test
  void matryoshkaWrapsPlainAndCachedLosses() throws Exception {
    var plain = inner(read(one("pairs.jsonl", "{type: MultipleNegativesRankingLoss, matryoshka_dims: [32, 16, 8], "
        + "matryoshka_weights: [1, 0.5, 0.25], n_dims_per_step: 2}")).tasks.get(0).loss());
    assertInstanceOf(MatryoshkaLoss.class, plain);
    assertEquals(List.of(32, 16, 8), java.util.Arrays.stream(((MatryoshkaLoss) plain).dims()).boxed().toList());
    var cached = read(one("pairs.jsonl", "{type: CachedMultipleNegativesSymmetricRankingLoss, matryoshka_dims: [32, 8]}")).tasks.get(0).loss();
    assertInstanceOf(CachedMatryoshkaLoss.class, cached);
    fails(one("pairs.jsonl", "{type: MultipleNegativesRankingLoss, matryoshka_dims: [32, 16], matryoshka_weights: [1]}"),
        "'matryoshka_weights' has 1 weights for the 2 matryoshka_dims");
    fails(one("pairs.jsonl", "{type: MultipleNegativesRankingLoss, matryoshka_dims: 32}"), "'matryoshka_dims' must be a list of integers");
    fails(one("pairs.jsonl", "{type: MultipleNegativesRankingLoss, matryoshka_dims: [32, 0]}"), "'matryoshka_dims' values must be at least 1");
    fails(one("pairs.jsonl", "{type: MultipleNegativesRankingLoss, matryoshka_dims: [32, 16], n_dims_per_step: 0}"),
        "datasets[0].loss", "nDimsPerStep");
    fails(one("pairs.jsonl", "{type: GISTEmbedLoss, guide: default, matryoshka_dims: [32]}"), "use CachedGISTEmbedLoss");
    fails(one("pairs.jsonl", "{type: MultipleNegativesRankingLoss, n_dims_per_step: 1}"), "'n_dims_per_step' needs 'matryoshka_dims'");
  }

  @Test
  void gistTakesAGuideFolderItsMarginAndStrategy() throws Exception {
    Path guide = dir.resolve("guide");
    TinyModels.encoder(Pooling.mean(), true, 9).save(guide);
    TrainConfig c = read(one("pairs.jsonl", "{type: CachedGISTEmbedLoss, guide: " + guide + ", margin_strategy: relative, "
        + "margin: 0.05, temperature: 0.02, mini_batch_size: 4}"));
    assertInstanceOf(CachedGISTEmbedLoss.class, c.tasks.get(0).loss());
    var model = new EncoderTrainable(TinyModels.encoder(Pooling.mean(), true, 2));
    List<List<PromptedText>> pair = List.of(List.of(PromptedText.of("a")), List.of(PromptedText.of("b")));
    var unbound = assertThrows(IllegalStateException.class,
        () -> c.tasks.get(0).loss().forward(model.embedder(), pair, null, new Generator(1)));
    assertTrue(unbound.getMessage().contains("bind(model)"), unbound.getMessage());
    c.bind(model);
    List<List<PromptedText>> columns = List.of(new ArrayList<>(), new ArrayList<>());
    for (int i = 0; i < 6; i++) {
      columns.get(0).add(PromptedText.of("what is thing " + i));
      columns.get(1).add(PromptedText.of("thing " + i + " is here"));
    }
    float loss = c.tasks.get(0).loss().forward(model.embedder(), columns, null, new Generator(1)).item();
    assertTrue(Float.isFinite(loss) && loss >= 0, "the guide was loaded and used: " + loss);
    assertInstanceOf(GISTEmbedLoss.class, read(one("pairs.jsonl", "{type: GISTEmbedLoss, guide: " + guide + "}")).tasks.get(0).loss());

    fails(one("pairs.jsonl", "GISTEmbedLoss"), "'guide' is missing");
    fails(one("pairs.jsonl", "{type: GISTEmbedLoss, guide: " + dir.resolve("nowhere") + "}"), "datasets[0].loss.guide", "does not exist");
    fails(one("pairs.jsonl", "{type: GISTEmbedLoss, guide: default, margin_strategy: sideways}"), "'margin_strategy'", "absolute, relative");
    fails(one("pairs.jsonl", "{type: GISTEmbedLoss, guide: default, contrast_anchors: yes please}"), "'contrast_anchors' must be true or false");
    fails(one("pairs.jsonl", "{type: GISTEmbedLoss, guide: 7}"), "'guide' must be a string");
  }

  @Test
  void samplersDropLastWeightsAndBalancing() throws Exception {
    String two = "datasets:\n  - {path: pairs.jsonl, loss: MultipleNegativesRankingLoss, weight: 0.5}\n"
        + "  - {path: labelled.jsonl, loss: MultipleNegativesRankingLoss}\n";
    TrainConfig c = read(two + "batch_sampler: no_duplicates_hashed\ndrop_last: false\nbalance_tasks: true\nbalance_decay: 0.8\n");
    assertEquals(BatchSamplers.NO_DUPLICATES_HASHED, c.batchSampler);
    assertEquals(false, c.dropLast);
    assertEquals(0.5f, c.tasks.get(0).weight());
    assertEquals(1f, c.tasks.get(1).weight());
    assertTrue(c.balanceTasks);
    assertEquals(0.8f, c.balanceDecay);
    assertEquals(BatchSamplers.BATCH_SAMPLER, read(two + "batch_sampler: batch\n").batchSampler);
    assertEquals(BatchSamplers.BATCH_SAMPLER, read(two + "no_duplicates: false\n").batchSampler);
    assertEquals(BatchSamplers.GROUP_BY_LABEL,
        read("datasets:\n  - {path: labelled.jsonl, loss: MultipleNegativesRankingLoss}\nbatch_sampler: group_by_label\n").batchSampler);

    fails(two + "batch_sampler: group_by_label\n", "datasets[0]", "group_by_label needs a label column");
    fails("datasets:\n  - {path: labelled.jsonl, loss: MultipleNegativesRankingLoss}\nbatch_sampler: group_by_label\nbatch_size: 7\n",
        "group_by_label needs an even 'batch_size'");
    fails(two + "batch_sampler: shuffled\n", "'batch_sampler' must be batch, no_duplicates, no_duplicates_hashed or group_by_label");
    fails(two + "batch_sampler: batch\nno_duplicates: true\n", "not both");
    fails(two + "drop_last: 1\n", "'drop_last' must be true or false");
    fails(two + "balance_tasks: on please\n", "'balance_tasks' must be true or false");
    fails(two + "balance_decay: 1.0\n", "'balance_decay' must be in [0, 1)");
    fails("datasets:\n  - {path: pairs.jsonl, loss: MultipleNegativesRankingLoss, weight: -1}\n", "datasets[0]", "'weight' must be ≥ 0");
    fails("datasets:\n  - {path: pairs.jsonl, loss: MultipleNegativesRankingLoss, weight: heavy}\n", "'weight' must be a number");
    fails("datasets:\n  - {path: pairs.jsonl, loss: MultipleNegativesRankingLoss, wieght: 2}\n", "datasets[0]", "unknown key 'wieght'");
    fails(two + "balance: true\n", "unknown key 'balance'", "balance_tasks");
  }

  @Test
  void evaluatorsOfEachKindAndTheSequentialCombiner() throws Exception {
    String base = one("pairs.jsonl", "MultipleNegativesRankingLoss");
    TrainConfig single = read(base + "evaluators:\n  - {type: retrieval, path: pairs.jsonl, query_prompt: 'query: '}\n");
    assertInstanceOf(InformationRetrievalEvaluator.class, single.evaluator);
    assertNull(read(base).evaluator);
    TrainConfig c = read(base + """
        evaluators:
          - {type: retrieval, path: pairs.jsonl, name: dev, matryoshka_dims: [32, 16]}
          - {type: similarity, path: scored.jsonl}
          - {type: triplet, path: triplets.jsonl, similarities: [cosine, euclidean], margin: 0.1}
        eval_main_score: mean
        eval_every: 5
        eval_at_start: true
        """);
    assertInstanceOf(SequentialEvaluator.class, c.evaluator);
    assertEquals(5, c.evalEvery);
    assertTrue(c.evalAtStart);
    var model = new EncoderTrainable(TinyModels.encoder(Pooling.mean(), true, 4));
    var metrics = c.evaluator.evaluate(model.textEmbedder());
    assertNotNull(metrics.get("dev_cosine_ndcg@10_dim_16"));
    assertNotNull(metrics.get("scored_spearman_cosine"));
    assertNotNull(metrics.get("triplets_max_accuracy"));
    double mean = (metrics.get("dev_cosine_ndcg@10_dim_32") + metrics.get("scored_spearman_cosine") + metrics.get("triplets_max_accuracy")) / 3;
    assertEquals(mean, metrics.get(SequentialEvaluator.SEQUENTIAL_SCORE), 1e-12);
    assertInstanceOf(MatryoshkaEvaluator.class, read(base + "evaluators: [{type: similarity, path: scored.jsonl, matryoshka_dims: [8]}]\n").evaluator);
    assertInstanceOf(EmbeddingSimilarityEvaluator.class, read(base + "evaluators: [{type: similarity, path: scored.jsonl}]\n").evaluator);
    assertInstanceOf(TripletEvaluator.class, read(base + "evaluators: [{type: triplet, path: triplets.jsonl}]\n").evaluator);

    fails(base + "evaluators: [{type: clustering, path: pairs.jsonl}]\n", "evaluators[0]", "'type' must be retrieval, similarity or triplet");
    fails(base + "evaluators: [{type: similarity, path: pairs.jsonl}]\n", "evaluators[0]", "score column");
    fails(base + "evaluators: [{type: triplet, path: triplets.jsonl, query_prompt: x}]\n", "evaluators[0]", "unknown key 'query_prompt'");
    fails(base + "evaluators: [{type: triplet, path: triplets.jsonl, similarities: [hamming]}]\n", "'similarities'", "euclidean");
    fails(base + "evaluators: [{type: triplet, path: triplets.jsonl, margin: wide}]\n", "'margin' must be a number");
    fails(base + "evaluators: [{type: retrieval, path: missing.jsonl}]\n", "evaluators[0].path", "does not exist");
    fails(base + "evaluators: []\n", "evaluators", "non-empty list");
    fails(base + "evaluators: [{type: retrieval, path: pairs.jsonl}, {type: retrieval, path: pairs.jsonl}]\neval_main_score: median\n",
        "'eval_main_score' must be last, first or mean");
    fails(base + "eval_main_score: mean\n", "no 'evaluators'");
    fails(base + "eval_every: -2\n", "'eval_every' must be at least 0");
  }

  @Test
  void unknownAndMistypedTopLevelKeysAreNamed() {
    String base = one("pairs.jsonl", "MultipleNegativesRankingLoss");
    fails(base + "batch_sise: 8\n", "unknown key 'batch_sise'", "batch_size");
    fails(base + "batch_size: eight\n", "'batch_size' must be an integer");
    fails(base + "learning_rate: fast\n", "'learning_rate' must be a number");
    fails(base + "sampler: [round_robin]\n", "'sampler' must be a string");
  }
}
