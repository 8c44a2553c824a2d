package dev.embed4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The size classes hold every request, waste at most 12.5% above 1 MiB, and never shrink as requests grow. */
class CachingAllocatorSizeClassTest {

  @Test
  void sizeClassesCoverTheRequestWithBoundedWaste() {
    assertEquals(0, CachingAllocator.sizeClass(0));
    assertEquals(512, CachingAllocator.sizeClass(1));
    assertEquals(512, CachingAllocator.sizeClass(512));
    assertEquals(1024, CachingAllocator.sizeClass(513));
    Random r = new Random(3);
    long previous = 0;
    for (int i = 0; i < 10_000; i++) {
      long bytes = 1 + (long) (Math.pow(2, r.nextDouble() * 34));
      long c = CachingAllocator.sizeClass(bytes);
      assertTrue(c >= bytes, bytes + " -> " + c);
      if (bytes > (1 << 20)) assertTrue(c <= bytes * 1.125 + 1, bytes + " -> " + c);
      else assertTrue(c % 512 == 0 && c - bytes < 512, bytes + " -> " + c);
    }
    for (long b = 1; b < (1L << 26); b += 4093) {
      long c = CachingAllocator.sizeClass(b);
      assertTrue(c >= previous, "monotonic at " + b);
      previous = c;
    }
  }
}
