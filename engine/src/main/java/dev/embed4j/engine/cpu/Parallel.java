package dev.embed4j.engine.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The one thread pool the CPU kernels share, sized to the cores ({@code -Dembed4j.threads=N} or
 * {@link #setThreads} to change it, as the benchmarks do for 1 and 2 threads). Work is split into
 * contiguous chunks, one per task, so each thread touches one region of the output.
 */
public final class Parallel {
  private static volatile ForkJoinPool pool = newPool(Integer.getInteger("embed4j.threads",
      Runtime.getRuntime().availableProcessors()));

  private Parallel() {}

  /** A body over a half-open range [from, to). */
  @FunctionalInterface
  public interface RangeBody {
    void run(int from, int to);
  }

  private static final java.util.concurrent.atomic.AtomicInteger THREAD_IDS = new java.util.concurrent.atomic.AtomicInteger();

  private static ForkJoinPool newPool(int threads) {
    return new ForkJoinPool(Math.max(1, threads), p -> {
      var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
      // the pool index is assigned only once the thread registers, so number the threads ourselves
      t.setName("embed4j-cpu-" + THREAD_IDS.getAndIncrement());
      t.setDaemon(true);
      return t;
    }, null, false);
  }

  public static int threads() {
    return pool.getParallelism();
  }

  /** Replaces the pool with one of {@code n} threads. */
  public static synchronized void setThreads(int n) {
    if (n == threads()) return;
    ForkJoinPool old = pool;
    pool = newPool(n);
    old.shutdown();
  }

  /**
   * Runs body over [0, n) split into at most {@code threads()} chunks of at least {@code grain} items;
   * runs inline when one chunk suffices or when already inside the pool.
   */
  public static void forRange(int n, int grain, RangeBody body) {
    if (n <= 0) return;
    int threads = threads();
    int chunks = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
    if (chunks <= 1 || ForkJoinTask.inForkJoinPool() && ForkJoinTask.getPool() == pool) {
      body.run(0, n);
      return;
    }
    pool.invoke(new RecursiveAction() {
      @Override
      protected void compute() {
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[chunks - 1];
        for (int c = 1; c < chunks; c++) {
          int lo = (int) ((long) n * c / chunks), hi = (int) ((long) n * (c + 1) / chunks);
          tasks[c - 1] = ForkJoinTask.adapt(() -> body.run(lo, hi)).fork();
        }
        body.run(0, (int) ((long) n / chunks));
        for (ForkJoinTask<?> t : tasks) t.join();
      }
    });
  }
}
