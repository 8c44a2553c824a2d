package dev.embed4j.engine.backend;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.cpu.CpuBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/** Finds the backend for a device: the CPU one built in, others through {@link BackendProvider}. */
public final class Backends {
  private static final Map<Device, Backend> OPEN = new ConcurrentHashMap<>();

  private Backends() {}

  public static Backend of(Device device) {
    if (device.equals(Device.CPU)) return CpuBackend.INSTANCE;
    return OPEN.computeIfAbsent(device, Backends::load);
  }

  public static Backend cpu() {
    return CpuBackend.INSTANCE;
  }

  /** Device kinds that can be opened here: always {@code cpu}, plus every available provider's. */
  public static List<String> availableKinds() {
    List<String> kinds = new ArrayList<>(List.of("cpu"));
    for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
      if (p.isAvailable()) kinds.add(p.kind());
    }
    return kinds;
  }

  private static Backend load(Device device) {
    List<String> seen = new ArrayList<>();
    for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
      seen.add(p.kind());
      if (p.kind().equals(device.kind())) {
        if (!p.isAvailable()) {
          throw new IllegalStateException("device " + device + ": the " + p.kind()
              + " backend is on the class path but unusable: " + p.unavailableReason());
        }
        return p.open(device);
      }
    }
    throw new IllegalStateException("device " + device + ": no backend for '" + device.kind()
        + "' on the class path (found: cpu" + (seen.isEmpty() ? "" : ", " + String.join(", ", seen))
        + "); for CUDA add the embed4j-native module");
  }
}
