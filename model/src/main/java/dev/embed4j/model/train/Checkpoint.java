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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A training checkpoint folder {@code checkpoint-STEP}: {@code model/} (the model folder),
 * {@code optimizer.safetensors} (AdamW's first and second moments per parameter) and
 * {@value #STATE} (step, epoch, batch within the epoch, generator state, AdamW step counts).
 */
final class Checkpoint {
  static final String STATE = "trainer_state.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  record State(int step, int epoch, int batchInEpoch, long generatorState) {}

  private Checkpoint() {}

  static Path save(Path outputDir, int step, int epoch, int batchInEpoch, long generatorState, Trainable model, AdamW opt,
      LinkedHashMap<String, Tensor> params, int keep) {
    Path target = outputDir.resolve("checkpoint-" + step);
    Path tmp = outputDir.resolve(".checkpoint-" + step + ".tmp");
    try {
      deleteTree(tmp);
      Files.createDirectories(tmp);
      model.save(tmp.resolve("model"));
      Map<String, Tensor> moments = new LinkedHashMap<>();
      ObjectNode steps = JSON.createObjectNode();
      for (var e : params.entrySet()) {
        Tensor[] mv = opt.moments(e.getValue());
        if (mv == null) continue;
        moments.put("exp_avg." + e.getKey(), mv[0]);
        moments.put("exp_avg_sq." + e.getKey(), mv[1]);
        steps.put(e.getKey(), opt.steps(e.getValue()));
      }
      SafeTensors.write(tmp.resolve("optimizer.safetensors"), moments, Map.of("format", "embed4j-adamw"));
      ObjectNode state = JSON.createObjectNode();
      state.put("step", step);
      state.put("epoch", epoch);
      state.put("batch_in_epoch", batchInEpoch);
      state.put("generator_state", generatorState);
      state.set("optimizer_steps", steps);
      Files.writeString(tmp.resolve(STATE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
      deleteTree(target);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      prune(outputDir, keep);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("writing checkpoint " + target + ": " + e.getMessage(), e);
    }
  }

  static State load(Path dir, Trainable model, AdamW opt, LinkedHashMap<String, Tensor> params) {
    try {
      JsonNode state = JSON.readTree(dir.resolve(STATE).toFile());
      model.loadWeights(dir.resolve("model"));
      Map<String, Tensor> moments = SafeTensors.read(dir.resolve("optimizer.safetensors"));
      JsonNode steps = state.get("optimizer_steps");
      for (var e : params.entrySet()) {
        Tensor m = moments.get("exp_avg." + e.getKey()), v = moments.get("exp_avg_sq." + e.getKey());
        if (m == null || v == null) continue;
        opt.setState(e.getValue(), m, v, steps.get(e.getKey()).asInt());
      }
      return new State(state.get("step").asInt(), state.get("epoch").asInt(), state.get("batch_in_epoch").asInt(),
          state.get("generator_state").asLong());
    } catch (IOException e) {
      throw new UncheckedIOException("reading checkpoint " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The checkpoint with the highest step under a run's output folder, or null. */
  static Path newest(Path outputDir) {
    if (!Files.isDirectory(outputDir)) return null;
    try (Stream<Path> s = Files.list(outputDir)) {
      return s.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+") && Files.exists(p.resolve(STATE)))
          .max(Comparator.comparingInt(Checkpoint::stepOf)).orElse(null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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
