package dev.embed4j.cuda;

import static org.bytedeco.cuda.global.cudart.cudaErrorMemoryAllocation;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaGetLastError;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;

/**
 * Device memory for one device, with freed blocks kept for reuse: cudaMalloc and cudaFree synchronise the
 * device and cost tens of microseconds, while a training step frees and re-allocates the same activation
 * sizes every iteration.
 *
 * <p>Requests are rounded up to a size class (512-byte multiples up to 1 MiB, then steps of one eighth of
 * the power of two below, so at most 12.5% is wasted) and a freed block waits in its class's list until a
 * request of that class takes it. Reuse is safe without events because the backend issues everything on
 * one stream: a kernel that reads a block freed earlier was queued before any kernel of the new owner.
 * When cudaMalloc runs out of memory the cache is emptied and the call retried, then the garbage collector
 * is asked to run storages' cleaners (tensors dropped without {@code close()}) and the call retried once
 * more.
 *
 * <p>Thread-safe: storages may be freed by the {@link java.lang.ref.Cleaner} thread. Only {@link #allocate}
 * and {@link #emptyCache} make CUDA calls, and only from the backend's own (device-bound) threads.
 */
final class CachingAllocator {
  /** One device allocation: its address and its size-class size in bytes. */
  record Block(long address, long bytes) {}

  private static final long SMALL_LIMIT = 1L << 20;
  private static final long SMALL_STEP = 512;

  private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();
  private final Runnable synchronizeStream;
  private long inUse, peak, cached, mallocCalls;

  /** @param synchronizeStream waits for the backend's stream, before cached blocks are really freed */
  CachingAllocator(Runnable synchronizeStream) {
    this.synchronizeStream = synchronizeStream;
  }

  /** The size class of a request: what a block serving it really occupies. */
  static long sizeClass(long bytes) {
    if (bytes <= 0) return 0;
    if (bytes <= SMALL_LIMIT) return (bytes + SMALL_STEP - 1) / SMALL_STEP * SMALL_STEP;
    long step = Long.highestOneBit(bytes) >>> 3;
    return (bytes + step - 1) / step * step;
  }

  /** A block of at least {@code bytes}; contents undefined. A zero-byte request gets address 0. */
  Block allocate(long bytes) {
    long size = sizeClass(bytes);
    if (size == 0) return new Block(0L, 0L);
    Long address = takeCached(size);
    if (address == null) address = malloc(size, false);
    if (address == null) {
      emptyCache();
      address = malloc(size, false);
    }
    if (address == null) {
      System.gc(); // tensors dropped without close() free their blocks through their cleaners
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      address = takeCached(size);
      if (address == null) {
        emptyCache();
        address = malloc(size, true);
      }
    }
    synchronized (this) {
      inUse += size;
      peak = Math.max(peak, inUse);
    }
    return new Block(address, size);
  }

  /** Returns a block to its size class's list. */
  synchronized void free(Block block) {
    if (block.bytes() == 0) return;
    free.computeIfAbsent(block.bytes(), s -> new ArrayDeque<>()).push(block.address());
    inUse -= block.bytes();
    cached += block.bytes();
  }

  /** Gives every cached block back to the driver. */
  void emptyCache() {
    Map<Long, ArrayDeque<Long>> toFree;
    synchronized (this) {
      if (cached == 0) return;
      toFree = new HashMap<>(free);
      free.clear();
      cached = 0;
    }
    synchronizeStream.run();
    for (Map.Entry<Long, ArrayDeque<Long>> e : toFree.entrySet()) {
      for (long address : e.getValue()) {
        CudaStatus.runtime(cudaFree(new DevicePointer(address)), "cudaFree(" + e.getKey() + " bytes)");
      }
    }
  }

  synchronized DeviceMemoryStats stats() {
    return new DeviceMemoryStats(inUse, peak, cached, mallocCalls);
  }

  /** Starts a new peak measurement from the current use. */
  synchronized void resetPeak() {
    peak = inUse;
  }

  private synchronized Long takeCached(long size) {
    ArrayDeque<Long> list = free.get(size);
    if (list == null || list.isEmpty()) return null;
    cached -= size;
    return list.pop();
  }

  private Long malloc(long size, boolean lastTry) {
    Pointer p = new Pointer();
    int rc = cudaMalloc(p, size);
    synchronized (this) {
      mallocCalls++;
    }
    if (rc == cudaErrorMemoryAllocation && !lastTry) {
      cudaGetLastError(); // clears the recorded error so later checks do not report it again
      return null;
    }
    if (rc == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      throw new CudaException("cudaMalloc(" + size + " bytes) failed: cudaErrorMemoryAllocation (out of device "
          + "memory) after emptying the cache and running the garbage collector; allocator: " + stats()
          + ". Close tensors you no longer need (tensor.close()) or use a smaller batch.", rc);
    }
    CudaStatus.runtime(rc, "cudaMalloc(" + size + " bytes)");
    return p.address();
  }
}
