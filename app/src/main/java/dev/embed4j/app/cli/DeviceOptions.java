package dev.embed4j.app.cli;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.backend.Backends;
import java.util.Locale;

/**
 * Where a command runs the model ({@code --device}) and how a CUDA device multiplies float32 matrices
 * ({@code --precision}), as encode, eval, train and demo take them.
 *
 * <p>The model module never names the CUDA backend (module native, found through
 * {@link java.util.ServiceLoader}), so the precision reaches it as the system property
 * {@value #PRECISION_PROPERTY}, which native's {@code MatmulPrecision} reads when a CUDA backend is
 * created. {@link #open} therefore sets it before anything touches the device; a backend opened earlier in
 * the same process keeps the precision it was created with.
 *
 * @param precision fp32, tf32, bf16, or null for the backend's default (fp32 unless the property says otherwise)
 */
record DeviceOptions(Device device, String precision) {
  static final String PRECISION_PROPERTY = "embed4j.cuda.matmul";

  /** {@code --device}'s value: cpu, cuda, cuda:N (or another kind a backend on the class path serves). */
  static Device device(String option, String text) {
    try {
      return Device.parse(text);
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException(option + " needs cpu, cuda or cuda:N, got '" + text + "'");
    }
  }

  /** {@code --precision}'s value, lower-cased: fp32, tf32 or bf16. */
  static String precision(String option, String text) {
    String p = text.trim().toLowerCase(Locale.ROOT);
    if (!p.equals("fp32") && !p.equals("tf32") && !p.equals("bf16")) {
      throw new Main.UsageException(option + " needs fp32, tf32 or bf16, got '" + text + "'");
    }
    return p;
  }

  /** The options of a command that took them through {@link Options}, cpu and the default precision if absent. */
  static DeviceOptions of(Options o) {
    return new DeviceOptions(o.has("--device") ? device("--device", o.text("--device", "cpu")) : Device.CPU,
        o.has("--precision") ? precision("--precision", o.text("--precision", "fp32")) : null);
  }

  /**
   * Opens the device's backend now, with the precision asked for, so that a device that cannot be used
   * fails with its reason before any model or data is loaded; returns the device.
   */
  Device open() {
    boolean cuda = device.kind().equals("cuda");
    if (precision != null && !precision.equals("fp32") && !cuda) {
      throw new Main.UsageException("precision " + precision + " is for CUDA devices, and the device is " + device
          + "; ask for --device cuda, or leave the precision out");
    }
    if (cuda && precision != null) System.setProperty(PRECISION_PROPERTY, precision);
    Backends.of(device);
    return device;
  }
}
