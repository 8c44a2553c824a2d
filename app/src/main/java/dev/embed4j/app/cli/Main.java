package dev.embed4j.app.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Arrays;

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
        case "encode" -> EncodeCommand.run(rest, in, out);
        case "train" -> TrainCommand.run(rest, out);
        case "eval" -> EvalCommand.run(rest, out);
        case "mine" -> MineCommand.run(rest, out, err);
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
}
