package dev.embed4j.app.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
  @TempDir Path dir;

  @Test
  void theCurvesArePlottedInColour() throws Exception {
    List<Map<String, Object>> back = new ArrayList<>();
    for (int s = 1; s <= 30; s++) {
      Map<String, Object> r = new java.util.LinkedHashMap<>();
      r.put("step", s);
      r.put("loss/retrieval", 3.0 / s);
      r.put("loss/symmetric", 2.0 / s + 0.1);
      r.put("lr", 1e-4);
      if (s % 10 == 0) r.put("eval_mrr@10", 0.5 + s / 100.0);
      back.add(r);
    }
    Path png = dir.resolve("plot.png");
    MetricsPlot.write(back, png);
    var img = ImageIO.read(png.toFile());
    assertEquals(1000, img.getWidth());
    int coloured = 0;
    for (int x = 0; x < img.getWidth(); x += 2) {
      for (int y = 0; y < img.getHeight(); y += 2) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        int r = rgb >> 16, g = rgb >> 8 & 255, b = rgb & 255;
        if (Math.abs(r - g) > 60 || Math.abs(g - b) > 60) coloured++;
      }
    }
    assertTrue(coloured > 200, "the curves should be drawn in colour, found " + coloured + " coloured pixels");
  }

  @Test
  void withoutJavaDesktopThePlotIsSkippedAndSaysWhy() throws Exception {
    Path png = dir.resolve("skipped.png");
    List<Map<String, Object>> records = List.of(Map.of("step", 1, "loss/pairs", 2.0), Map.of("step", 2, "loss/pairs", 1.5));
    String why = MetricsPlot.writeIfDrawable(records, png, ModuleLayer.empty());
    assertTrue(why != null && why.contains("java.desktop"), "the reason names the missing module: " + why);
    assertTrue(!java.nio.file.Files.exists(png), "nothing is written when the plot is skipped");
    assertEquals(null, MetricsPlot.writeIfDrawable(records, png), "this JDK has java.desktop and draws");
    assertTrue(java.nio.file.Files.size(png) > 0, "and then the plot is written");
  }

  @Test
  void plainProgressLinesWhenNotATerminal() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressBar bar = new ProgressBar(new PrintStream(bytes, true), 100, false, 25);
    for (int s = 1; s <= 100; s++) bar.update(s, "loss 0.5");
    String[] lines = bytes.toString().trim().split("\n");
    assertEquals(5, lines.length); // step 1, 25, 50, 75, 100
    assertTrue(lines[4].startsWith("step 100/100") && lines[4].contains("loss 0.5"), lines[4]);
    assertTrue(!bytes.toString().contains("\r"));
  }
}
