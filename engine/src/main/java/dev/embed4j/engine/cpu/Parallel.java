package dev.embed4j.engine.cpu;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads the CPU kernels share: the calling thread plus {@code threads() − 1} workers, sized to the
 * cores ({@code -Dembed4j.threads=N}, or {@link #setThreads} as the benchmarks do for 1 and 2 threads).
 * Work is split into contiguous chunks, one per thread, so each thread touches one region of the output.
 *
 * <p>Why not a ForkJoinPool: with fork/join, the thread that forks a chunk and then joins it runs the
 * chunk itself whenever no idle worker has stolen it yet, so a two-way split often ran serially on one
 * thread (measured: 6–20 % of 0.1–1 ms GEMM calls, some whole runs twice as slow). Here the caller runs
 * the first chunk, chunk c goes to worker c − 1 through that worker's own queue (so no thread ever runs
 * two chunks of one call), and the caller waits for the others. A kernel called from inside a chunk runs
 * inline.
 *
 * <p>Waiting spins before it parks, on both sides: a worker polls its queue and the caller polls the
 * count of open chunks for up to {@code -Dembed4j.spinMicros} (default {@value #DEFAULT_SPIN_MICROS} µs)
 * before blocking. Parking and waking a thread goes through the kernel, and on this project's 2-vCPU
 * KVM machine a call that handed an empty chunk to a parked worker and parked on a latch took 80–100 µs
 * round trip; an encoder forward pass makes about a hundred such calls per batch, many of them on
 * kernels that run for less than that.
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

  static final int DEFAULT_SPIN_MICROS = 50;
  private static final long SPIN_NANOS = 1000L * Math.max(0, Integer.getInteger("embed4j.spinMicros",
      DEFAULT_SPIN_MICROS));

  /** A daemon thread that runs the tasks of its own queue, in order, until told to stop. */
  private static final class Worker {
    private static final Runnable STOP = () -> {};
    final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    final Thread thread;
    volatile boolean parked;

    Worker() {
      thread = new Thread(this::loop, "embed4j-cpu-" + THREAD_IDS.getAndIncrement());
      thread.setDaemon(true);
      thread.start();
    }

    void submit(Runnable r) {
      queue.add(r);
      // parked is written before the worker's last look at the queue, and read here after the add:
      // both volatile, so either the worker sees the task or this sees the flag
      if (parked) LockSupport.unpark(thread);
    }

    private Runnable next() {
      Runnable r = queue.poll();
      if (r != null) return r;
      long start = System.nanoTime();
      while (System.nanoTime() - start < SPIN_NANOS) {
        Thread.onSpinWait();
        if ((r = queue.poll()) != null) return r;
      }
      parked = true;
      try {
        while ((r = queue.poll()) == null) LockSupport.park(this);
      } finally {
        parked = false;
      }
      return r;
    }

    private void loop() {
      while (true) {
        Runnable r = next();
        if (r == STOP) return;
        r.run();
      }
    }
  }

  /** The open chunks of one call, and the caller waiting for them. */
  private static final class Join {
    final AtomicInteger open;
    final Thread caller = Thread.currentThread();
    volatile boolean parked;
    Throwable failure;

    Join(int chunks) {
      open = new AtomicInteger(chunks);
    }

    void done() {
      if (open.decrementAndGet() == 0 && parked) LockSupport.unpark(caller);
    }

    synchronized void fail(Throwable t) {
      if (failure == null) failure = t;
    }

    void await() {
      long start = System.nanoTime();
      while (open.get() > 0) {
        if (System.nanoTime() - start > SPIN_NANOS) {
          parked = true;
          while (open.get() > 0) LockSupport.park(this);
          parked = false;
          return;
        }
        Thread.onSpinWait();
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
    for (Worker w : old) w.submit(Worker.STOP);
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
    Join join = new Join(chunks - 1);
    for (int c = 1; c < chunks; c++) {
      int lo = (int) ((long) n * c / chunks), hi = (int) ((long) n * (c + 1) / chunks);
      pool[c - 1].submit(() -> {
        boolean[] mine = INSIDE.get();
        mine[0] = true;
        try {
          body.run(lo, hi);
        } catch (Throwable t) {
          join.fail(t);
        } finally {
          mine[0] = false;
          join.done();
        }
      });
    }
    inside[0] = true;
    try {
      body.run(0, (int) ((long) n / chunks));
    } finally {
      inside[0] = false;
      join.await();
    }
    Throwable failure;
    synchronized (join) {
      failure = join.failure;
    }
    if (failure instanceof RuntimeException e) throw e;
    if (failure instanceof Error e) throw e;
    if (failure != null) throw new IllegalStateException("a parallel chunk failed", failure);
  }
}
