package dev.embed4j.model.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.optim.AdamW;
import dev.embed4j.model.io.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A training checkpoint folder {@code checkpoint-STEP}: {@code model/} (the model folder),
 * {@code optimizer.safetensors} (AdamW's first and second moments per parameter) and
 * {@value #STATE} (step, epoch, batch within the epoch, generator state, AdamW step counts, and the task
 * balancer's running gradient norms when it has any).
 */
final class Checkpoint {
  static final String STATE = "trainer_state.json";
  static final String OPTIMIZER = "optimizer.safetensors";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** @param taskBalancer the {@link TaskBalancer}'s state, or null when the checkpoint has none */
  record State(int step, int epoch, int batchInEpoch, long generatorState, double[] taskBalancer) {}

  private Checkpoint() {}

  /**
   * A checkpoint written to its temporary folder but not yet renamed into place: the trainer commits it
   * once a forward pass with the weights it holds has given finite embeddings, so that no
   * {@code checkpoint-STEP} holds weights that cannot be resumed from.
   */
  record Pending(Path tmp, Path target, Path outputDir, int keep) {
    /** Renames the checkpoint into place, prunes the older ones beyond {@code keep}; returns its folder. */
    Path commit() {
      try {
        deleteTree(target);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        prune(outputDir, keep);
        return target;
      } catch (IOException e) {
        throw new UncheckedIOException("committing checkpoint " + target + ": " + e.getMessage(), e);
      }
    }

    /** Deletes the temporary folder (the weights it holds diverged). */
    void discard() {
      try {
        deleteTree(tmp);
      } catch (IOException e) {
        throw new UncheckedIOException("deleting " + tmp + ": " + e.getMessage(), e);
      }
    }
  }

  /** Writes a checkpoint and renames it into place at once. */
  static Path save(Path outputDir, int step, int epoch, int batchInEpoch, long generatorState, Trainable model, AdamW opt,
      LinkedHashMap<String, Tensor> params, int keep) {
    return write(outputDir, step, epoch, batchInEpoch, generatorState, null, model, opt, params, keep).commit();
  }

  /**
   * Writes a checkpoint into {@code .checkpoint-STEP.tmp}; refuses (with {@link Trainer.DivergedException})
   * when a weight or an optimiser moment is NaN or infinite, before anything is written.
   */
  static Pending write(Path outputDir, int step, int epoch, int batchInEpoch, long generatorState, double[] taskBalancer,
      Trainable model, AdamW opt, LinkedHashMap<String, Tensor> params, int keep) {
    Path target = outputDir.resolve("checkpoint-" + step);
    Path tmp = outputDir.resolve(".checkpoint-" + step + ".tmp");
    Map<String, Tensor> moments = new LinkedHashMap<>();
    ObjectNode steps = JSON.createObjectNode();
    for (var e : params.entrySet()) {
      Tensor[] mv = opt.moments(e.getValue());
      if (mv == null) continue;
      moments.put("exp_avg." + e.getKey(), mv[0]);
      moments.put("exp_avg_sq." + e.getKey(), mv[1]);
      steps.put(e.getKey(), opt.steps(e.getValue()));
    }
    String bad = firstNonFinite(params);
    if (bad == null) bad = firstNonFinite(moments);
    if (bad != null) {
      throw new Trainer.DivergedException("training stopped at step " + step + ": the loss diverged, and the tensor '"
          + bad + "' holds NaN or infinite values, so checkpoint-" + step + " was not written");
    }
    try {
      deleteTree(tmp);
      Files.createDirectories(tmp);
      model.save(tmp.resolve("model"));
      SafeTensors.write(tmp.resolve(OPTIMIZER), moments, Map.of("format", "embed4j-adamw"));
      ObjectNode state = JSON.createObjectNode();
      state.put("step", step);
      state.put("epoch", epoch);
      state.put("batch_in_epoch", batchInEpoch);
      state.put("generator_state", generatorState);
      state.set("optimizer_steps", steps);
      if (taskBalancer != null) {
        var b = state.putArray("task_balancer");
        for (double v : taskBalancer) b.add(v);
      }
      Files.writeString(tmp.resolve(STATE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
      return new Pending(tmp, target, outputDir, keep);
    } catch (IOException e) {
      throw new UncheckedIOException("writing checkpoint " + target + ": " + e.getMessage(), e);
    }
  }

  /** The name of the first tensor holding a NaN or an infinity, or null. One reduction per tensor, where it lives. */
  static String firstNonFinite(Map<String, Tensor> tensors) {
    for (var e : tensors.entrySet()) {
      if (!isFinite(e.getValue())) return e.getKey();
    }
    return null;
  }

  /** True when every element is finite: Σ x² in double is finite exactly then (a float squared stays far below double's range). */
  static boolean isFinite(Tensor t) {
    Tensor d = t.isContiguous() ? t : t.contiguous();
    return Double.isFinite(d.backend().sumOfSquares(d.storage(), d.offset(), d.numel()));
  }

  /**
   * Why the checkpoint folder cannot be resumed from (missing or unreadable state, a model or optimiser file
   * that is missing, truncated or damaged, a NaN or infinite tensor), or null when it can.
   */
  static String problem(Path dir) {
    try {
      Path state = dir.resolve(STATE);
      if (!Files.isRegularFile(state)) return "it has no " + STATE;
      JsonNode s;
      try {
        s = JSON.readTree(state.toFile());
      } catch (IOException e) {
        return STATE + " is not valid JSON";
      }
      for (String key : List.of("step", "epoch", "batch_in_epoch", "generator_state", "optimizer_steps")) {
        if (s == null || !s.has(key)) return STATE + " lacks '" + key + "'";
      }
      for (Path f : List.of(dir.resolve("model").resolve("model.safetensors"), dir.resolve(OPTIMIZER))) {
        if (!Files.isRegularFile(f)) return "it has no " + dir.relativize(f);
        Map<String, Tensor> tensors = SafeTensors.read(f);
        String bad = firstNonFinite(tensors);
        if (bad != null) return dir.relativize(f) + ": tensor '" + bad + "' holds NaN or infinite values";
      }
      return null;
    } catch (IOException | RuntimeException e) {
      return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
  }

  /** Checkpoint folders under a run's output folder, newest (highest step) first. */
  static List<Path> newestFirst(Path outputDir) {
    if (!Files.isDirectory(outputDir)) return List.of();
    try (Stream<Path> s = Files.list(outputDir)) {
      return s.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+") && Files.isDirectory(p))
          .sorted(Comparator.comparingInt(Checkpoint::stepOf).reversed()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("listing checkpoints in " + outputDir + ": " + e.getMessage(), e);
    }
  }

  /** Deletes the {@code .checkpoint-STEP.tmp} folders a killed run left behind; returns their names. */
  static List<String> clearTemporary(Path outputDir) {
    if (!Files.isDirectory(outputDir)) return List.of();
    List<String> removed = new ArrayList<>();
    try (Stream<Path> s = Files.list(outputDir)) {
      for (Path p : s.filter(q -> q.getFileName().toString().matches("\\.checkpoint-\\d+\\.tmp")).toList()) {
        deleteTree(p);
        removed.add(p.getFileName().toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("clearing unfinished checkpoints in " + outputDir + ": " + e.getMessage(), e);
    }
    return removed;
  }

  static State load(Path dir, Trainable model, AdamW opt, LinkedHashMap<String, Tensor> params) {
    try {
      JsonNode state = JSON.readTree(dir.resolve(STATE).toFile());
      model.loadWeights(dir.resolve("model"));
      Map<String, Tensor> moments = SafeTensors.read(dir.resolve(OPTIMIZER));
      JsonNode steps = state.get("optimizer_steps");
      for (var e : params.entrySet()) {
        Tensor m = moments.get("exp_avg." + e.getKey()), v = moments.get("exp_avg_sq." + e.getKey());
        if (m == null || v == null) continue;
        opt.setState(e.getValue(), m, v, steps.get(e.getKey()).asInt());
      }
      double[] balancer = null;
      if (state.has("task_balancer")) {
        JsonNode b = state.get("task_balancer");
        balancer = new double[b.size()];
        for (int i = 0; i < balancer.length; i++) balancer[i] = b.get(i).asDouble();
      }
      return new State(state.get("step").asInt(), state.get("epoch").asInt(), state.get("batch_in_epoch").asInt(),
          state.get("generator_state").asLong(), balancer);
    } catch (IOException e) {
      throw new UncheckedIOException("reading checkpoint " + dir + ": " + e.getMessage(), e);
    }
  }

  private static int stepOf(Path p) {
    return Integer.parseInt(p.getFileName().toString().substring("checkpoint-".length()));
  }

  private static void prune(Path outputDir, int keep) throws IOException {
    if (keep <= 0) return;
    List<Path> all;
    try (Stream<Path> s = Files.list(outputDir)) {
      all = s.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+")).sorted(Comparator.comparingInt(Checkpoint::stepOf)).toList();
    }
    for (int i = 0; i < all.size() - keep; i++) deleteTree(all.get(i));
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
    }
  }
}
