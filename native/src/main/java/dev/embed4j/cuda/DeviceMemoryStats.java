package dev.embed4j.cuda;

/**
 * What a device's caching allocator holds, in bytes of size-class blocks: held by live storages now, the
 * most held at once since the last reset, and kept in the cache for reuse; plus how often it had to call
 * cudaMalloc (a steady training loop should stop calling it after the first step).
 */
public record DeviceMemoryStats(long bytesInUse, long peakBytesInUse, long bytesCached, long cudaMallocCalls) {
  @Override
  public String toString() {
    return String.format("in use %.1f MiB (peak %.1f MiB), cached %.1f MiB, %d cudaMalloc calls",
        bytesInUse / 1048576.0, peakBytesInUse / 1048576.0, bytesCached / 1048576.0, cudaMallocCalls);
  }
}
