package dev.embed4j.app.cli;

import dev.embed4j.engine.Device;
import dev.embed4j.model.SentenceEncoder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The command line: {@code embed4j <command> [options]}. Commands: {@code encode}, {@code train}, {@code eval},
 * {@code demo}. Each prints its usage
 * with {@code --help}. Exit status 0 on success, 2 for a usage error, 1 when the work failed.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int status = run(args, System.out, System.err);
    System.out.flush();
    if (status != 0) System.exit(status);
  }

  static final String USAGE = """
      usage: embed4j <command> [options]

      commands:
        encode    embed texts with a sentence-embedding model, one JSON array per line
        train     train a model as a JSON or YAML config describes
        eval      retrieval or similarity metrics of a model on a data file
        mine      add hard negatives to (anchor, positive) pairs
        demo      fine-tune all-MiniLM-L6-v2 on WordNet and show the before/after table
        bench     JMH benchmarks (run through ./embed4j bench)

      Run 'embed4j <command> --help' for a command's options.
      """;

  /** Runs a command line; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, System.in, out, err);
  }

  /** Runs a command line reading standard input from {@code in}; returns the exit status. */
  public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      (args.length == 0 ? err : out).print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      return switch (args[0]) {
        case "encode" -> Encode.run(rest, in, out);
        case "train" -> TrainCommand.run(rest, out);
        case "eval" -> EvalCommand.run(rest, out);
        case "mine" -> MineCommand.run(rest, out);
        case "demo" -> DemoCommand.run(rest, out);
        case "bench" -> {
          err.println("embed4j bench: the benchmarks live in bench/target/benchmarks.jar; run them with ./embed4j bench NAME");
          yield 2;
        }
        default -> {
          err.println("embed4j: unknown command '" + args[0] + "'");
          err.print(USAGE);
          yield 2;
        }
      };
    } catch (UsageException e) {
      err.println("embed4j " + args[0] + ": " + e.getMessage());
      err.println("Run 'embed4j " + args[0] + " --help' for its options.");
      return 2;
    } catch (IOException | RuntimeException e) {
      out.flush();
      err.println("embed4j " + args[0] + ": " + describe(e));
      return 1;
    } catch (OutOfMemoryError e) {
      out.flush();
      err.println("embed4j " + args[0] + ": ran out of memory (the heap's limit is "
          + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB); use a smaller --batch-size, or give Java more with"
          + " JAVA_TOOL_OPTIONS=-Xmx8g");
      return 1;
    }
  }

  /**
   * An error's message for a person: what went wrong and, link by link, why, without Java's class names
   * (a missing file reads "FILE: no such file", an I/O wrapper gives way to its cause).
   */
  static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = message(t);
      if (m == null || sb.indexOf(m) >= 0) continue;
      if (sb.length() > 0) sb.append(": ");
      sb.append(m);
      if (t.getCause() == t) break;
    }
    return sb.length() > 0 ? sb.toString() : e.getClass().getSimpleName();
  }

  private static String message(Throwable t) {
    return switch (t) {
      case NoSuchFileException f -> f.getFile() + ": no such file or folder" + (f.getReason() == null ? "" : " (" + f.getReason() + ")");
      case AccessDeniedException f -> f.getFile() + ": permission denied";
      case FileAlreadyExistsException f -> f.getFile() + ": already exists";
      case NotDirectoryException f -> f.getFile() + ": not a folder";
      case FileSystemException f -> f.getFile() + ": " + (f.getReason() == null ? "cannot be used" : f.getReason());
      default -> t.getMessage() == null || t.getMessage().isBlank() ? null : t.getMessage();
    };
  }

  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  /** {@code encode [--model PATH] [--prompt P] [--batch-size N] [--device D] [--precision P] [TEXT...]}. */
  static final class Encode {
    static final String HELP = """
        usage: embed4j encode [--model PATH] [--prompt P] [--batch-size N] [--device D] [--precision P] [--] [TEXT...]

        Embeds each TEXT, or each line of standard input when no TEXT is given, and writes one JSON
        array of floats per text, one per line, in input order. Standard input is read, embedded and
        printed one batch at a time, so a stream prints as it goes. A text that starts with '-' goes
        after '--'. Options take their value as '--model PATH' or '--model=PATH'.

        options:
          --model PATH       a sentence-transformers model folder (default: all-MiniLM-L6-v2, imported
                             on first use into the user cache directory)
          --prompt P         text put before every input (e.g. "query: ")
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
      Options o = Options.parse(args, Set.of("--model", "--prompt", "--batch-size", "--device", "--precision"), Set.of());
      if (o.help) {
        out.print(HELP);
        return 0;
      }
      int batch = o.integer("--batch-size", SentenceEncoder.DEFAULT_BATCH_SIZE, 1);
      Device device = DeviceOptions.of(o).open(); // a device that cannot be used fails before the model loads
      String prompt = o.text("--prompt", null);
      String modelName = o.has("--model") ? o.text("--model", null) : "the default model (all-MiniLM-L6-v2)";
      SentenceEncoder enc = (o.has("--model") ? SentenceEncoder.load(o.path("--model")) : SentenceEncoder.defaultModel())
          .withBatchSize(batch).withDevice(device);
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
}
