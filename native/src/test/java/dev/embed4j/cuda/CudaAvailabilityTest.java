package dev.embed4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.backend.BackendProvider;
import dev.embed4j.engine.backend.Backends;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Runs everywhere: the provider is found, and on a machine without CUDA it says so instead of failing. */
class CudaAvailabilityTest {

  @Test
  void theProviderIsFoundThroughServiceLoader() {
    List<String> kinds = new ArrayList<>();
    for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) kinds.add(p.kind());
    assertTrue(kinds.contains("cuda"), "providers found: " + kinds);
  }

  @Test
  void availabilityIsAnAnswerNeverAnException() {
    boolean available = new CudaBackendProvider().isAvailable();
    String reason = CudaBackendProvider.reason();
    assertFalse(reason == null || reason.isBlank());
    assertEquals(available, Backends.availableKinds().contains("cuda"), reason);
    assertEquals(available, new CudaBackendProvider().isAvailable(), "the answer is stable");
  }

  @Test
  void withoutCudaOpeningTheDeviceExplainsWhy() {
    assumeFalse(CudaBackendProvider.available(), "a CUDA device is usable here: the GPU tests cover opening it");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.of(Device.cuda(0)));
    assertTrue(e.getMessage().contains("cuda:0"), e.getMessage());
    assertTrue(e.getMessage().contains(CudaBackendProvider.reason()), "the message gives the reason: " + e.getMessage());
  }
}
