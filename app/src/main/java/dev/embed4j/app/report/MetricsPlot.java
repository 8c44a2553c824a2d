package dev.embed4j.app.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A PNG of the training curves: one panel for every key that starts with {@code loss} (per dataset) and
 * one for the evaluation metrics, each against the step. Drawn with java.awt in headless mode, so it
 * needs no display and no extra library.
 *
 * <p>Drawing needs the {@code java.desktop} module, which a trimmed runtime (the jlinked one that travels
 * to a GPU machine) leaves out, and on a bare machine its text needs fontconfig. The plot is an extra:
 * {@link #writeIfDrawable} skips it there and says why, and the AWT code lives in a nested class that is
 * loaded only once the module is known to be present (loading it would fail on the class's own
 * references to java.awt).
 */
public final class MetricsPlot {
  private MetricsPlot() {}

  /**
   * Writes the plot; metrics whose name starts with {@code eval_} go in the second panel.
   *
   * @throws IllegalStateException when this Java runtime cannot draw (no {@code java.desktop}, or AWT fails
   *     to start), naming the reason
   */
  public static void write(List<Map<String, Object>> records, Path png) {
    String why = writeIfDrawable(records, png);
    if (why != null) throw new IllegalStateException("cannot write plot " + png + ": " + why);
  }

  /**
   * Writes the plot when this Java runtime can draw it. Returns null when it was written, otherwise why it
   * was skipped (the records are untouched; an I/O error writing the file still throws).
   */
  public static String writeIfDrawable(List<Map<String, Object>> records, Path png) {
    return writeIfDrawable(records, png, ModuleLayer.boot());
  }

  /** As {@link #writeIfDrawable(List, Path)}, looking for java.desktop in {@code layer} (tests pass an empty one). */
  static String writeIfDrawable(List<Map<String, Object>> records, Path png, ModuleLayer layer) {
    if (layer.findModule("java.desktop").isEmpty()) return "this Java runtime has no java.desktop module";
    try {
      Canvas.draw(records, png);
      return null;
    } catch (Error e) {
      // a toolkit or font library that fails to load (UnsatisfiedLinkError, AWTError, "no fonts found"); not
      // caught by type, since naming java.awt.AWTError here would make this class unloadable without the module
      if (e instanceof VirtualMachineError) throw e;
      return "drawing failed: " + e;
    }
  }

  /** Legend text: the metric without the prefixes every entry shares. */
  static String label(String key) {
    String k = key.startsWith("eval_") ? key.substring(5) : key;
    return k.replace("_cosine_", " ").replace("_cosine", "");
  }

  /** The drawing itself; every reference to java.awt is here, so this class loads only where AWT exists. */
  private static final class Canvas {
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};

    static void draw(List<Map<String, Object>> records, Path png) {
      System.setProperty("java.awt.headless", "true");
      Map<String, List<double[]>> losses = new LinkedHashMap<>(), evals = new LinkedHashMap<>();
      for (Map<String, Object> r : records) {
        Object s = r.get("step");
        if (!(s instanceof Number step)) continue;
        for (var e : r.entrySet()) {
          if (!(e.getValue() instanceof Number v) || !Double.isFinite(v.doubleValue())) continue;
          String k = e.getKey();
          if (k.startsWith("loss")) losses.computeIfAbsent(k, x -> new ArrayList<>()).add(new double[] {step.doubleValue(), v.doubleValue()});
          else if (k.startsWith("eval_")) evals.computeIfAbsent(k, x -> new ArrayList<>()).add(new double[] {step.doubleValue(), v.doubleValue()});
        }
      }
      int w = 1000, h = evals.isEmpty() ? 420 : 820;
      BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, w, h);
      panel(g, "training loss", losses, 0, 0, w, 410);
      if (!evals.isEmpty()) panel(g, "evaluation", evals, 0, 410, w, 410);
      g.dispose();
      try {
        if (png.getParent() != null) Files.createDirectories(png.getParent());
        ImageIO.write(img, "png", png.toFile());
      } catch (IOException e) {
        throw new UncheckedIOException("writing plot " + png, e);
      }
    }

    private static void panel(Graphics2D g, String title, Map<String, List<double[]>> series, int x0, int y0, int w, int h) {
      int left = x0 + 70, right = x0 + w - 290, top = y0 + 35, bottom = y0 + h - 45;
      double minX = Double.MAX_VALUE, maxX = -Double.MAX_VALUE, minY = Double.MAX_VALUE, maxY = -Double.MAX_VALUE;
      for (List<double[]> s : series.values()) {
        for (double[] p : s) {
          minX = Math.min(minX, p[0]);
          maxX = Math.max(maxX, p[0]);
          minY = Math.min(minY, p[1]);
          maxY = Math.max(maxY, p[1]);
        }
      }
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
      g.drawString(title, left, y0 + 22);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.drawRect(left, top, right - left, bottom - top);
      if (series.isEmpty()) {
        g.drawString("no data", left + 10, top + 20);
        return;
      }
      if (maxX == minX) maxX = minX + 1;
      if (maxY == minY) {
        maxY += 0.5;
        minY -= 0.5;
      }
      double padY = (maxY - minY) * 0.05;
      minY -= padY;
      maxY += padY;
      for (int i = 0; i <= 4; i++) {
        double vy = minY + (maxY - minY) * i / 4;
        int py = (int) (bottom - (bottom - top) * (double) i / 4);
        g.setColor(new Color(0xdddddd));
        g.drawLine(left + 1, py, right - 1, py);
        g.setColor(Color.DARK_GRAY);
        g.drawString(String.format(Locale.ROOT, "%.3g", vy), x0 + 8, py + 4);
        double vx = minX + (maxX - minX) * i / 4;
        int px = (int) (left + (right - left) * (double) i / 4);
        g.drawString(String.format(Locale.ROOT, "%.0f", vx), px - 10, bottom + 18);
      }
      g.drawString("step", (left + right) / 2 - 10, bottom + 36);
      int c = 0;
      for (var e : series.entrySet()) {
        Color col = PALETTE[c % PALETTE.length];
        g.setColor(col);
        // past the palette, the same colours come back dashed
        g.setStroke(c < PALETTE.length ? new BasicStroke(2f)
            : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        List<double[]> pts = e.getValue();
        for (int i = 0; i < pts.size(); i++) {
          int px = (int) (left + (right - left) * (pts.get(i)[0] - minX) / (maxX - minX));
          int py = (int) (bottom - (bottom - top) * (pts.get(i)[1] - minY) / (maxY - minY));
          if (i > 0) {
            int qx = (int) (left + (right - left) * (pts.get(i - 1)[0] - minX) / (maxX - minX));
            int qy = (int) (bottom - (bottom - top) * (pts.get(i - 1)[1] - minY) / (maxY - minY));
            g.drawLine(qx, qy, px, py);
          }
          if (pts.size() < 40) g.fillOval(px - 3, py - 3, 6, 6);
        }
        g.drawLine(right + 15, top + 10 + c * 20, right + 29, top + 10 + c * 20);
        g.setColor(Color.BLACK);
        g.drawString(label(e.getKey()), right + 35, top + 14 + c * 20);
        c++;
      }
    }
  }
}
