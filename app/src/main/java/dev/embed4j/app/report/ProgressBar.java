package dev.embed4j.app.report;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Training progress: on a terminal a bar redrawn in place with the loss, steps per second and the time
 * left; when output is not a terminal (a log file, CI) a plain line every {@code plainEvery} steps.
 */
public final class ProgressBar {
  private final PrintStream out;
  private final int total;
  private final boolean terminal;
  private final int plainEvery;
  private final long start = System.nanoTime();
  private final int firstStep;
  private int lastLength;

  public ProgressBar(PrintStream out, int total, boolean terminal, int plainEvery) {
    this(out, total, terminal, plainEvery, 0);
  }

  /** A bar for the steps after {@code firstStep} (a resumed run's): the rate counts only those. */
  public ProgressBar(PrintStream out, int total, boolean terminal, int plainEvery, int firstStep) {
    this.out = out;
    this.total = total;
    this.terminal = terminal;
    this.plainEvery = Math.max(1, plainEvery);
    this.firstStep = firstStep;
  }

  public void update(int step, String status) {
    double elapsed = (System.nanoTime() - start) / 1e9;
    double rate = (step - firstStep) / Math.max(elapsed, 1e-9);
    double left = rate > 0 ? (total - step) / rate : Double.NaN;
    String line = String.format(Locale.ROOT, "%s %d/%d  %s  %.2f steps/s  %s left", bar(step), step, total, status, rate,
        duration(left));
    if (terminal) {
      int pad = Math.max(0, lastLength - line.length());
      out.print("\r" + line + " ".repeat(pad));
      lastLength = line.length();
      if (step >= total) out.println();
      out.flush();
    } else if (step % plainEvery == 0 || step >= total || step == 1) {
      out.println(String.format(Locale.ROOT, "step %d/%d  %s  %.2f steps/s  %s left", step, total, status, rate, duration(left)));
    }
  }

  private String bar(int step) {
    int width = 24, filled = total == 0 ? width : (int) ((long) width * step / total);
    return "[" + "#".repeat(filled) + "-".repeat(width - filled) + "]";
  }

  static String duration(double seconds) {
    if (Double.isNaN(seconds) || Double.isInfinite(seconds)) return "?";
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }
}
