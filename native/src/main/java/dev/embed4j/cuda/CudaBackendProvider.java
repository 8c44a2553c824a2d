package dev.embed4j.cuda;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.backend.Backend;
import dev.embed4j.engine.backend.BackendProvider;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Brings the {@code cuda} device kind to the engine through {@link java.util.ServiceLoader} (listed in
 * {@code META-INF/services/dev.embed4j.engine.backend.BackendProvider}), so engine, losses and model reach
 * the GPU with {@code Device.cuda(0)} and {@code tensor.to(device)} without importing {@code org.bytedeco}.
 * One {@link CudaBackend} per device for the life of the process (its kernels compile once).
 */
public final class CudaBackendProvider implements BackendProvider {
  private static final Map<Integer, Backend> OPEN = new ConcurrentHashMap<>();

  @Override
  public String kind() {
    return "cuda";
  }

  /** False, never an exception, when the JNI libraries, the driver or a device are missing. */
  @Override
  public boolean isAvailable() {
    return available();
  }

  @Override
  public String unavailableReason() {
    return reason();
  }

  /** Whether a CUDA device can be used in this process (for tests' assumptions). */
  public static boolean available() {
    try {
      return CudaAvailability.get().available();
    } catch (Throwable t) {
      return false;
    }
  }

  /** Why CUDA is or is not usable here, in words. */
  public static String reason() {
    try {
      return CudaAvailability.get().reason();
    } catch (Throwable t) {
      return "probing CUDA failed: " + t;
    }
  }

  @Override
  public Backend open(Device device) {
    if (!device.kind().equals("cuda")) throw new IllegalArgumentException("the CUDA provider cannot open " + device);
    CudaAvailability a = CudaAvailability.get();
    if (!a.available()) throw new IllegalStateException("cannot open " + device + ": " + a.reason());
    if (device.index() >= a.deviceCount()) {
      throw new IllegalArgumentException("cannot open " + device + ": this machine has " + a.deviceCount()
          + " CUDA device(s), cuda:0 to cuda:" + (a.deviceCount() - 1));
    }
    return OPEN.computeIfAbsent(device.index(), CudaBackend::new);
  }

  /** The backend of {@code Device.cuda(index)}, typed for CUDA-specific settings (precision, memory stats). */
  public static CudaBackend backend(int index) {
    return (CudaBackend) dev.embed4j.engine.backend.Backends.of(Device.cuda(index));
  }
}
