package dev.embed4j.model.cli;

import dev.embed4j.engine.Device;
import dev.embed4j.model.SentenceEncoder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
        demo      fine-tune all-MiniLM-L6-v2 on WordNet and show the before/after table
        bench     JMH benchmarks (run through ./embed4j bench)

      Run 'embed4j <command> --help' for a command's options.
      """;

  /** Runs a command line; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      (args.length == 0 ? err : out).print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      return switch (args[0]) {
        case "encode" -> Encode.run(rest, out, err);
        case "train" -> TrainCommand.run(rest, out);
        case "eval" -> EvalCommand.run(rest, out);
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
      err.println("embed4j " + args[0] + ": " + e);
      return 1;
    }
  }

  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  /** {@code encode [--model PATH] [--prompt P] [--batch-size N] [--device D] [--precision P] [TEXT...]}. */
  static final class Encode {
    static final String HELP = """
        usage: embed4j encode [--model PATH] [--prompt P] [--batch-size N] [--device D] [--precision P] [TEXT...]

        Embeds each TEXT, or each line of standard input when no TEXT is given, and writes one JSON
        array of floats per text, one per line, in input order.

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
          --help             this message
        """;

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
      String model = null, prompt = null;
      Device device = Device.CPU;
      String precision = null;
      int batch = SentenceEncoder.DEFAULT_BATCH_SIZE;
      List<String> texts = new ArrayList<>();
      boolean options = true;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (options && a.startsWith("--")) {
          switch (a) {
            case "--help" -> {
              out.print(HELP);
              return 0;
            }
            case "--" -> options = false;
            case "--model" -> model = value(args, ++i, a);
            case "--prompt" -> prompt = value(args, ++i, a);
            case "--device" -> device = DeviceOptions.device(a, value(args, ++i, a));
            case "--precision" -> precision = DeviceOptions.precision(a, value(args, ++i, a));
            case "--batch-size" -> {
              String v = value(args, ++i, a);
              try {
                batch = Integer.parseInt(v);
              } catch (NumberFormatException e) {
                throw new UsageException("--batch-size needs a positive integer, got '" + v + "'");
              }
              if (batch < 1) throw new UsageException("--batch-size needs a positive integer, got " + batch);
            }
            default -> throw new UsageException("unknown option " + a);
          }
        } else {
          texts.add(a);
        }
      }
      new DeviceOptions(device, precision).open(); // a device that cannot be used fails before the model loads
      if (texts.isEmpty()) {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) texts.add(line);
      }
      SentenceEncoder enc = (model == null ? SentenceEncoder.defaultModel() : SentenceEncoder.load(Path.of(model)))
          .withBatchSize(batch).withDevice(device);
      // encode in slices so a long stdin stream prints as it goes and holds only one slice's embeddings
      int slice = Math.max(batch * 8, 256);
      StringBuilder sb = new StringBuilder();
      for (int from = 0; from < texts.size(); from += slice) {
        float[][] e = enc.encode(texts.subList(from, Math.min(texts.size(), from + slice)), prompt);
        for (float[] v : e) {
          sb.setLength(0);
          sb.append('[');
          for (int d = 0; d < v.length; d++) {
            if (d > 0) sb.append(',');
            sb.append(v[d]);
          }
          out.println(sb.append(']'));
        }
      }
      return 0;
    }

    private static String value(String[] args, int i, String option) {
      if (i >= args.length) throw new UsageException(option + " needs a value");
      return args[i];
    }
  }
}
