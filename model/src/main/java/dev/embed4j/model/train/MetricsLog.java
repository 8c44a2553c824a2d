package dev.embed4j.model.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Training metrics as JSON lines, one object per record ({@code step}, losses per dataset, learning rate,
 * gradient norm, samples per second, evaluation results), flushed after each line so nothing is lost on
 * a crash. Records are also kept in memory for the plot.
 */
public final class MetricsLog implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final BufferedWriter writer;
  private final List<Map<String, Object>> records = new ArrayList<>();

  /** Appends to {@code file} (created if missing), so a resumed run continues the same log. */
  public MetricsLog(Path file) {
    try {
      if (file.getParent() != null) Files.createDirectories(file.getParent());
      writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("opening metrics log " + file, e);
    }
  }

  public synchronized void log(Map<String, ?> record) {
    Map<String, Object> copy = new LinkedHashMap<>(record);
    records.add(copy);
    try {
      writer.write(JSON.writeValueAsString(copy));
      writer.newLine();
      writer.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("writing metrics", e);
    }
  }

  public synchronized List<Map<String, Object>> records() {
    return List.copyOf(records);
  }

  /**
   * Reads the records of an existing log (for plotting a resumed run's whole history). A final line cut
   * short (a run killed while writing it) is left out; {@link #read(Path, Consumer)} says so.
   */
  public static List<Map<String, Object>> read(Path file) {
    return read(file, warning -> {});
  }

  /**
   * Reads the records of a log. A last line that is not a whole JSON object is the trace of a run killed
   * mid-write: it is dropped and {@code warnings} is told. A damaged line before the last is an error
   * naming the file and the line, since records after it would be lost.
   */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> read(Path file, Consumer<String> warnings) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (!Files.exists(file)) return out;
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("reading metrics " + file + ": " + e.getMessage(), e);
    }
    int last = lines.size() - 1;
    while (last >= 0 && lines.get(last).isBlank()) last--;
    for (int i = 0; i <= last; i++) {
      String line = lines.get(i);
      if (line.isBlank()) continue;
      try {
        out.add(JSON.readValue(line, LinkedHashMap.class));
      } catch (IOException e) {
        if (i == last) {
          warnings.accept("metrics " + file + ": dropped its last line " + (i + 1) + ", which is cut short ("
              + (line.length() > 60 ? line.substring(0, 60) + "..." : line) + ")");
        } else {
          throw new UncheckedIOException("metrics " + file + ", line " + (i + 1) + ", is not a JSON object: "
              + line.substring(0, Math.min(line.length(), 60)), e);
        }
      }
    }
    return out;
  }

  /** Rewrites {@code file} keeping only the records up to {@code step} (none for step 0). */
  public static void keepUpTo(Path file, int step) {
    keepUpTo(file, step, warning -> {});
  }

  /** As {@link #keepUpTo(Path, int)}; a cut-short last line is dropped and {@code warnings} told. */
  public static void keepUpTo(Path file, int step, Consumer<String> warnings) {
    if (!Files.exists(file)) return;
    List<Map<String, Object>> kept = new ArrayList<>();
    for (Map<String, Object> r : read(file, warnings)) {
      if (step > 0 && r.get("step") instanceof Number n && n.intValue() <= step) kept.add(r);
    }
    try {
      StringBuilder sb = new StringBuilder();
      for (Map<String, Object> r : kept) sb.append(JSON.writeValueAsString(r)).append('\n');
      Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("rewriting metrics " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      writer.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
