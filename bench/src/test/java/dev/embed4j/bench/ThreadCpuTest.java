package dev.embed4j.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The per-kind CPU accounting behind {@code ColdStartPhases}: busy work on this thread shows as "other". */
class ThreadCpuTest {
  @Test
  void busyWorkOnThisThreadCountsAsOther() {
    Optional<ThreadCpu> before = ThreadCpu.now();
    assumeTrue(before.isPresent(), "no /proc/self/task here (not Linux)");
    long sink = 0, t0 = System.nanoTime();
    while (System.nanoTime() - t0 < 300_000_000L) sink += Long.numberOfTrailingZeros(sink + t0) + 1; // 0.3 s busy
    ThreadCpu d = ThreadCpu.now().orElseThrow().minus(before.get());
    assertTrue(sink > 0);
    // 0.3 s of wall on a busy thread: at least 0.1 s of its CPU, even on a loaded machine that lends it a third
    assertTrue(d.otherNanos() >= 100_000_000L, () -> "other CPU " + d);
  }
}
