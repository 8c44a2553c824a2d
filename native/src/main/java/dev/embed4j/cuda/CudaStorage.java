package dev.embed4j.cuda;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.backend.Storage;
import java.lang.ref.Cleaner;

/**
 * A flat float32 buffer in device memory: a block of the device's {@link CachingAllocator}. {@link #release}
 * returns the block at once; a storage dropped without release returns it through a {@link Cleaner} when
 * the garbage collector finds it unreachable.
 */
final class CudaStorage implements Storage {
  private static final Cleaner CLEANER = Cleaner.create();

  /** What the cleaner needs, without a reference back to the storage (which would keep it alive). */
  private static final class Owner implements Runnable {
    private final CachingAllocator allocator;
    private final CachingAllocator.Block block;
    private volatile boolean released;

    Owner(CachingAllocator allocator, CachingAllocator.Block block) {
      this.allocator = allocator;
      this.block = block;
    }

    @Override
    public void run() {
      released = true;
      allocator.free(block);
    }
  }

  private final Device device;
  private final long size;
  private final Owner owner;
  private final Cleaner.Cleanable cleanable;

  CudaStorage(Device device, long size, CachingAllocator allocator, CachingAllocator.Block block) {
    this.device = device;
    this.size = size;
    this.owner = new Owner(allocator, block);
    this.cleanable = CLEANER.register(this, owner);
  }

  /** The device address of element 0; throws if released. */
  long address() {
    if (owner.released) {
      throw new IllegalStateException("CUDA storage of " + size + " floats on " + device + " was used after release");
    }
    return owner.block.address();
  }

  @Override
  public Device device() {
    return device;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void release() {
    cleanable.clean(); // runs the owner at most once
  }

  @Override
  public boolean isReleased() {
    return owner.released;
  }
}
