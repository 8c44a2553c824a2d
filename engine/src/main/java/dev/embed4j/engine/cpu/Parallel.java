package dev.embed4j.engine.cpu;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads the CPU kernels share: the calling thread plus {@code threads() − 1} workers, sized to the
 * cores ({@code -Dembed4j.threads=N}, or {@link #setThreads} as the benchmarks do for 1 and 2 threads).
 * Work is split into contiguous chunks, one per thread, so each thread touches one region of the output.
 *
 * <p>Why not a ForkJoinPool: with fork/join, the thread that forks a chunk and then joins it runs the
 * chunk itself whenever no idle worker has stolen it yet, so a two-way split often ran serially on one
 * thread (measured: 6–20 % of 0.1–1 ms GEMM calls, some whole runs twice as slow). Here the caller runs
 * the first chunk, chunk c goes to worker c − 1 through that worker's own queue (so no thread ever runs
 * two chunks of one call), and the caller waits on a latch. A kernel called from inside a chunk runs
 * inline.
 */
public final class Parallel {
  private static final AtomicInteger THREAD_IDS = new AtomicInteger();
  private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);
  private static volatile int threads = Math.max(1, Integer.getInteger("embed4j.threads",
      Runtime.getRuntime().availableProcessors()));
  private static volatile Worker[] workers = newWorkers(threads - 1);

  private Parallel() {}

  /** A body over a half-open range [from, to). */
  @FunctionalInterface
  public interface RangeBody {
    void run(int from, int to);
  }

  /** A daemon thread that runs the tasks of its own queue, in order, until told to stop. */
  private static final class Worker {
    private static final Runnable STOP = () -> {};
    final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();

    Worker() {
      Thread t = new Thread(this::loop, "embed4j-cpu-" + THREAD_IDS.getAndIncrement());
      t.setDaemon(true);
      t.start();
    }

    private void loop() {
      while (true) {
        Runnable r;
        try {
          r = queue.take();
        } catch (InterruptedException e) {
          continue;
        }
        if (r == STOP) return;
        r.run();
      }
    }
  }

  private static Worker[] newWorkers(int n) {
    Worker[] w = new Worker[Math.max(0, n)];
    for (int i = 0; i < w.length; i++) w[i] = new Worker();
    return w;
  }

  public static int threads() {
    return threads;
  }

  /** Uses {@code n} threads (the caller and n − 1 workers) from now on. */
  public static synchronized void setThreads(int n) {
    if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
    if (n == threads) return;
    Worker[] old = workers;
    workers = newWorkers(n - 1);
    threads = n;
    for (Worker w : old) w.queue.add(Worker.STOP);
  }

  /**
   * Runs body over [0, n) split into at most {@code threads()} chunks of at least {@code grain} items;
   * runs inline when one chunk suffices or when called from inside another chunk.
   */
  public static void forRange(int n, int grain, RangeBody body) {
    if (n <= 0) return;
    boolean[] inside = INSIDE.get();
    Worker[] pool = workers;
    int chunks = Math.min(pool.length + 1, Math.max(1, n / Math.max(1, grain)));
    if (chunks <= 1 || inside[0]) {
      body.run(0, n);
      return;
    }
    CountDownLatch done = new CountDownLatch(chunks - 1);
    Throwable[] failure = new Throwable[1];
    for (int c = 1; c < chunks; c++) {
      int lo = (int) ((long) n * c / chunks), hi = (int) ((long) n * (c + 1) / chunks);
      pool[c - 1].queue.add(() -> {
        boolean[] mine = INSIDE.get();
        mine[0] = true;
        try {
          body.run(lo, hi);
        } catch (Throwable t) {
          synchronized (failure) {
            if (failure[0] == null) failure[0] = t;
          }
        } finally {
          mine[0] = false;
          done.countDown();
        }
      });
    }
    inside[0] = true;
    try {
      body.run(0, (int) ((long) n / chunks));
    } finally {
      inside[0] = false;
      boolean interrupted = false;
      while (true) {
        try {
          done.await();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) Thread.currentThread().interrupt();
    }
    if (failure[0] instanceof RuntimeException e) throw e;
    if (failure[0] instanceof Error e) throw e;
    if (failure[0] != null) throw new IllegalStateException("a parallel chunk failed", failure[0]);
  }
}
