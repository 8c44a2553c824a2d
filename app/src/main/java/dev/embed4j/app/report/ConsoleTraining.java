package dev.embed4j.app.report;

import dev.embed4j.model.train.MetricsLog;
import dev.embed4j.model.train.TrainingListener;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * How the command line shows a training run: the trainer's messages as lines, its steps as a
 * {@link ProgressBar} (redrawn in place when {@code out} is the terminal's standard output), and after the
 * run the plot of {@code metrics.jsonl}. The library's {@code Trainer} prints nothing itself.
 */
public final class ConsoleTraining implements TrainingListener {
  private final PrintStream out;
  private ProgressBar bar;

  public ConsoleTraining(PrintStream out) {
    this.out = out;
  }

  @Override
  public void started(int firstStep, int totalSteps) {
    var console = System.console();
    boolean terminal = out == System.out && console != null && console.isTerminal();
    bar = new ProgressBar(out, totalSteps, terminal, Math.max(1, totalSteps / 20), firstStep);
  }

  @Override
  public void step(int step, int totalSteps, String task, float loss, Map<String, Object> record) {
    if (bar != null) bar.update(step, String.format(Locale.ROOT, "loss %.4f (%s)", loss, task));
  }

  @Override
  public void message(String text) {
    out.println(text);
  }

  /**
   * Draws {@code metrics.png} beside the {@code metrics.jsonl} of a finished run in {@code outputDir}, or
   * says on {@code out} why it was skipped (a runtime without java.desktop, a toolkit that fails).
   */
  public static void plot(Path outputDir, PrintStream out) {
    String skipped = MetricsPlot.writeIfDrawable(MetricsLog.read(outputDir.resolve("metrics.jsonl")),
        outputDir.resolve("metrics.png"));
    if (skipped != null) out.println("metrics.png skipped (" + skipped + "); the metrics are in metrics.jsonl");
  }
}
