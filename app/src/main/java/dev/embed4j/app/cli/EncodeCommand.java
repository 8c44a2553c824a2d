package dev.embed4j.app.cli;

import dev.embed4j.engine.Device;
import dev.embed4j.model.Prompt;
import dev.embed4j.model.SentenceEncoder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code embed4j encode [TEXT...]}: texts to embeddings, one JSON array a line, from arguments or a stream. */
final class EncodeCommand {
  private EncodeCommand() {}

  static final String HELP = """
      usage: embed4j encode [--model PATH|ID] [--prompt P | --prompt-name NAME] [--batch-size N] [--device D]
                            [--precision P] [--] [TEXT...]

      Embeds each TEXT, or each line of standard input when no TEXT is given, and writes one JSON
      array of floats per text, one per line, in input order. Standard input is read, embedded and
      printed one batch at a time, so a stream prints as it goes. A text that starts with '-' goes
      after '--'. Options take their value as '--model PATH' or '--model=PATH'.

      options:
        --model PATH|ID    a sentence-transformers model folder, or a Hugging Face id (ORG/NAME) found in
                           the local Hugging Face cache ($HF_HOME; nothing is downloaded) (default:
                           all-MiniLM-L6-v2, imported on first use into the user cache directory)
        --prompt P         text put before every input (e.g. "query: ")
        --prompt-name NAME one of the model's prompts by name (config_sentence_transformers.json), as
                           sentence-transformers' prompt_name; with neither option the model's default
                           prompt (default_prompt_name) is used, as the Java API does
        --batch-size N     texts per forward pass (default 32)
        --device D         cpu (default), cuda or cuda:N; cuda needs the embed4j-native module on the
                           class path, which ./embed4j adds when it sees --device cuda
        --precision P      matrix products on a CUDA device: fp32 (default; float32 throughout), tf32
                           (tensor cores round the inputs to 10-bit mantissas: faster, ~1e-3 relative error)
                           or bf16 (8-bit mantissas, float32 accumulation: fastest)
        -h, --help         this message

      Exit status: 0 done, 1 failed (a model that gives NaN or infinite values is a failure), 2 usage error.
      """;

  static int run(String[] args, InputStream stdin, PrintStream out) throws IOException {
    Options o = Options.parse(args, Set.of("--model", "--prompt", "--prompt-name", "--batch-size", "--device",
        "--precision"), Set.of());
    if (o.help) {
      out.print(HELP);
      return 0;
    }
    int batch = o.integer("--batch-size", SentenceEncoder.DEFAULT_BATCH_SIZE, 1);
    Device device = DeviceOptions.of(o).open(); // a device that cannot be used fails before the model loads
    if (o.has("--prompt") && o.has("--prompt-name")) {
      throw new Main.UsageException("--prompt and --prompt-name both choose the prompt; give one");
    }
    String modelName = o.has("--model") ? o.text("--model", null) : "the default model (all-MiniLM-L6-v2)";
    SentenceEncoder enc = (o.has("--model") ? SentenceEncoder.load(o.text("--model", null)) : SentenceEncoder.defaultModel())
        .withBatchSize(batch).withDevice(device);
    // null: the model's default prompt, as encode(texts) applies it
    String prompt = o.has("--prompt-name") ? enc.promptText(Prompt.named(o.text("--prompt-name", null)))
        : o.text("--prompt", null);
    StringBuilder sb = new StringBuilder();
    int[] done = {0};
    List<String> texts = o.positional();
    if (!texts.isEmpty()) {
      for (int from = 0; from < texts.size(); from += batch) {
        print(enc.encode(texts.subList(from, Math.min(texts.size(), from + batch)), prompt), modelName, done, sb, out);
      }
      return 0;
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
    List<String> pending = new ArrayList<>(batch);
    for (String line; (line = in.readLine()) != null; ) {
      pending.add(line);
      // a full batch, or a pause in the stream (nothing more to read now): embed what has come
      if (pending.size() == batch || !in.ready()) {
        print(enc.encode(pending, prompt), modelName, done, sb, out);
        pending.clear();
      }
    }
    if (!pending.isEmpty()) print(enc.encode(pending, prompt), modelName, done, sb, out);
    return 0;
  }

  /** Prints one batch's vectors, flushed; refuses a vector with a NaN or an infinity before printing any of the batch. */
  private static void print(float[][] vectors, String model, int[] done, StringBuilder sb, PrintStream out) {
    for (int i = 0; i < vectors.length; i++) {
      for (float x : vectors[i]) {
        if (!Float.isFinite(x)) {
          throw new IllegalStateException("model " + model + " gave a " + (Float.isNaN(x) ? "NaN" : "infinite")
              + " value in the embedding of input " + (done[0] + i + 1) + "; its weights are probably damaged"
              + " (a diverged training run?), so nothing more is printed");
        }
      }
    }
    for (float[] v : vectors) {
      sb.setLength(0);
      sb.append('[');
      for (int d = 0; d < v.length; d++) {
        if (d > 0) sb.append(',');
        sb.append(v[d]);
      }
      out.println(sb.append(']'));
    }
    out.flush();
    done[0] += vectors.length;
  }
}
