package dev.embed4j.model;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.backend.Backend;
import dev.embed4j.engine.backend.BackendProvider;
import dev.embed4j.engine.backend.Storage;
import dev.embed4j.engine.cpu.CpuBackend;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * A second device for tests on a machine without a GPU: device kind {@value #KIND}, whose backend is the
 * CPU backend behind a {@link Proxy}, listed for {@link java.util.ServiceLoader} in this module's test
 * resources. Its storages are the CPU's wrapped with the device's name, so a tensor on it reports
 * {@code proxied-cpu:0}, the engine's device checks treat it as a device of its own, and its arithmetic is
 * the CPU's to the bit.
 *
 * <p>What it catches is what a GPU would: a host tensor that meets a device tensor (the ops refuse with
 * "tensors on different devices"), and a host storage handed to the device's backend or a device storage
 * to the CPU's (the proxy and the CPU backend refuse). Every method, the SPI's default ones included, runs
 * the CPU backend's own implementation, so a run on this device equals the plain CPU run exactly.
 */
public final class ProxiedCpuBackendProvider implements BackendProvider {
  public static final String KIND = "proxied-cpu";
  public static final Device DEVICE = new Device(KIND, 0);

  /** A CPU storage as the proxied device's. */
  private record ProxiedStorage(Device device, Storage cpu) implements Storage {
    @Override
    public long size() {
      return cpu.size();
    }

    @Override
    public void release() {
      cpu.release();
    }

    @Override
    public boolean isReleased() {
      return cpu.isReleased();
    }
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public Backend open(Device device) {
    InvocationHandler h = (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) return objectMethod(proxy, method, args, device);
      if (method.getName().equals("device") && method.getParameterCount() == 0) return device;
      Object[] a = args == null ? null : args.clone();
      if (a != null) {
        for (int i = 0; i < a.length; i++) {
          if (a[i] instanceof Storage s) a[i] = unwrap(s, device, method, i);
          if (a[i] instanceof Storage[] many) {
            Storage[] cpu = new Storage[many.length];
            for (int j = 0; j < many.length; j++) cpu[j] = unwrap(many[j], device, method, i);
            a[i] = cpu;
          }
        }
      }
      Object result;
      try {
        result = method.invoke(CpuBackend.INSTANCE, a);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
      return result instanceof Storage s ? new ProxiedStorage(device, s) : result;
    };
    return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, h);
  }

  private static Storage unwrap(Storage s, Device device, Method method, int argument) {
    if (s instanceof ProxiedStorage p && p.device().equals(device)) return p.cpu();
    throw new IllegalArgumentException("the " + device + " backend's " + method.getName() + " got a storage on "
        + s.device() + " as argument " + argument + ": something created a tensor on the host and handed it to the device");
  }

  private static Object objectMethod(Object proxy, Method method, Object[] args, Device device) {
    return switch (method.getName()) {
      case "toString" -> "the CPU backend, proxied as " + device;
      case "hashCode" -> System.identityHashCode(proxy);
      case "equals" -> proxy == args[0];
      // a proxy forwards only these three of Object's methods (JLS / java.lang.reflect.Proxy), so this is unreachable
      default -> throw new UnsupportedOperationException(method.toString());
    };
  }
}
