package dev.embed4j.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The CPU time this process's live threads have used, split into the JIT's compiler threads, the garbage
 * collector's and the rest, read from Linux's {@code /proc/self/task/TID/stat} (user + system time, in clock ticks
 * of 10 ms: Linux's {@code USER_HZ} is 100 on x86 and ARM). A thread that has ended is no longer listed, so the JVM
 * runs with a fixed number of compiler threads ({@code -XX:-UseDynamicNumberOfCompilerThreads}) where this is read.
 *
 * @param compilerNanos the threads named {@code C1 CompilerThread} or {@code C2 CompilerThread}
 * @param gcNanos the garbage collector's threads (G1's and the parallel and serial collectors' workers)
 * @param otherNanos every other live thread (the application's, the JVM's own)
 */
record ThreadCpu(long compilerNanos, long gcNanos, long otherNanos) {
  private static final long NANOS_PER_TICK = 10_000_000L;

  /** Now, or empty where {@code /proc/self/task} cannot be read (not Linux). */
  static Optional<ThreadCpu> now() {
    long compiler = 0, gc = 0, other = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path task : tasks) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException e) {
          continue; // the thread ended while we listed
        }
        // "tid (name) state ..." where name may hold spaces and parentheses: fields follow the last ')'
        int close = stat.lastIndexOf(')');
        String name = stat.substring(stat.indexOf('(') + 1, close);
        String[] f = stat.substring(close + 2).split(" ");
        long nanos = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK; // utime, stime: fields 14, 15
        if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) compiler += nanos;
        else if (name.startsWith("GC Thread") || name.startsWith("G1 ")) gc += nanos;
        else other += nanos;
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    return Optional.of(new ThreadCpu(compiler, gc, other));
  }

  ThreadCpu minus(ThreadCpu earlier) {
    return new ThreadCpu(compilerNanos - earlier.compilerNanos, gcNanos - earlier.gcNanos,
        otherNanos - earlier.otherNanos);
  }
}
