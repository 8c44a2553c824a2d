package dev.embed4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ParallelTest {
  private final int saved = Parallel.threads();

  @AfterEach
  void restore() {
    Parallel.setThreads(saved);
  }

  @Test
  void everyChunkRunsOnItsOwnThreadAndTheRangeIsCoveredOnce() {
    Parallel.setThreads(3);
    for (int round = 0; round < 300; round++) {
      Thread[] owner = new Thread[3];
      AtomicIntegerArray hits = new AtomicIntegerArray(1000);
      Parallel.forRange(1000, 1, (lo, hi) -> {
        owner[(int) Math.round(lo * 3 / 1000.0)] = Thread.currentThread();
        for (int i = lo; i < hi; i++) hits.incrementAndGet(i);
      });
      for (int i = 0; i < 1000; i++) assertEquals(1, hits.get(i));
      assertSame(Thread.currentThread(), owner[0], "the caller runs the first chunk");
      assertNotSame(owner[0], owner[1]);
      assertNotSame(owner[1], owner[2]);
      assertNotSame(owner[0], owner[2]);
    }
  }

  @Test
  void nestedCallsRunInlineAndSmallRangesStayOnTheCaller() {
    Parallel.setThreads(2);
    Thread[] inner = new Thread[2];
    Parallel.forRange(2, 1, (lo, hi) -> Parallel.forRange(100, 1, (a, b) -> inner[lo] = Thread.currentThread()));
    assertSame(Thread.currentThread(), inner[0]);
    Thread[] small = new Thread[1];
    Parallel.forRange(10, 100, (lo, hi) -> small[0] = Thread.currentThread());
    assertSame(Thread.currentThread(), small[0]);
  }

  @Test
  void aFailingChunkFailsTheCallAfterAllChunksEnd() {
    Parallel.setThreads(2);
    var e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(10, 1, (lo, hi) -> {
      if (lo > 0) throw new IllegalStateException("chunk " + lo);
    }));
    assertEquals("chunk 5", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
  }
}
