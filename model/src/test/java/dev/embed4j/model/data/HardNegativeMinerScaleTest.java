package dev.embed4j.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The mining step at scale, on random normalised 384-d vectors (what all-MiniLM-L6-v2 gives): N anchors,
 * each with its own positive, against a corpus of those N positives; prints the time and the process's peak
 * resident memory (VmHWM). Run on demand:
 * {@code mvn -pl model -am test -Dtest=HardNegativeMinerScaleTest -Dembed4j.mining.scale=100000 -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "embed4j.mining.scale", matches = "\\d+")
class HardNegativeMinerScaleTest {
  @Test
  void mineAtScale() throws Exception {
    int n = Integer.getInteger("embed4j.mining.scale"), d = 384;
    Random r = new Random(1);
    float[][] q = new float[n][d], c = new float[n][d];
    int[][] positives = new int[n][];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < d; k++) q[i][k] = (float) r.nextGaussian();
      for (int k = 0; k < d; k++) c[i][k] = q[i][k] + 0.8f * (float) r.nextGaussian();
      positives[i] = new int[] {i};
    }
    HardNegativeMiner.normalise(q);
    HardNegativeMiner.normalise(c);
    long before = hwm();
    long t0 = System.nanoTime();
    var opts = HardNegativeMiner.Options.defaults().withMargins(null, 0.05).withNegatives(5, HardNegativeMiner.Sampling.RANDOM, 1);
    HardNegativeMiner.Negatives neg = HardNegativeMiner.mine(q, c, positives, opts);
    double seconds = (System.nanoTime() - t0) / 1e9;
    long found = 0;
    for (int[] x : neg.indices()) found += x.length;
    System.out.printf("mining %d x %d x %d: %.1f s (%.0f queries/s), %d negatives; VmHWM %d MiB before mining, %d MiB after;"
        + " heap max %d MiB, %d cores%n", n, n, d, seconds, n / seconds, found, before >> 10, hwm() >> 10,
        Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());
    assertEquals(n, neg.indices().length);
  }

  /** Peak resident set size in KiB (Linux), or -1. */
  private static long hwm() throws Exception {
    Path status = Path.of("/proc/self/status");
    if (!Files.exists(status)) return -1;
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", ""));
    }
    return -1;
  }
}
