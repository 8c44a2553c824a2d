package dev.embed4j.cuda;

import static org.bytedeco.cuda.global.cudart.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES;
import static org.bytedeco.cuda.global.cudart.cuFuncSetAttribute;
import static org.bytedeco.cuda.global.cudart.cuModuleGetFunction;
import static org.bytedeco.cuda.global.cudart.cuModuleLoadData;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCompileProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCreateProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcDestroyProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBIN;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBINSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLog;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLogSize;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The CUDA C kernels of {@code src/main/resources/dev/embed4j/cuda}, compiled by NVRTC when first used,
 * once per process and device, straight to CUBIN for the device's own architecture
 * ({@code --gpu-architecture=sm_XY}, {@code nvrtcGetCUBIN}) and loaded with {@code cuModuleLoadData}.
 * Never PTX: the JNI wrappers (and so NVRTC's output) may be newer than the machine's driver, and a driver
 * cannot JIT PTX newer than itself, while it loads a CUBIN for its own architecture.
 *
 * <p>{@code common.cuh} is handed to NVRTC as a named header, which is how each file's
 * {@code #include "common.cuh"} resolves without an include path.
 */
final class NvrtcKernels {
  static final String RESOURCE_DIR = "/dev/embed4j/cuda/";
  static final List<String> FILES =
      List.of("elementwise.cu", "reduce.cu", "softmax.cu", "layernorm.cu", "embedding.cu", "optimizer.cu", "attention.cu",
          "pairwise.cu");
  private static final String HEADER = "common.cuh";
  /** Shared memory a block may use without opting in. */
  static final int DEFAULT_SHARED_LIMIT = 48 * 1024;

  /** A kernel entry point and the dynamic shared memory it has been allowed so far. */
  static final class Kernel {
    final String name;
    final CUfunc_st handle;
    private int sharedLimit = DEFAULT_SHARED_LIMIT;

    Kernel(String name, CUfunc_st handle) {
      this.name = name;
      this.handle = handle;
    }

    /** Raises the block's dynamic shared-memory limit when a launch needs more than 48 KB. */
    void allowShared(int bytes) {
      if (bytes <= sharedLimit) return;
      CudaStatus.driver(cuFuncSetAttribute(handle, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
          "cuFuncSetAttribute(" + name + ", MAX_DYNAMIC_SHARED_SIZE_BYTES, " + bytes + ")");
      sharedLimit = bytes;
    }
  }

  private final String arch;
  private final Map<String, CUmod_st> modules = new HashMap<>();
  private final Map<String, Kernel> kernels = new HashMap<>();

  /** @param arch the device's architecture, {@code sm_90} for compute capability 9.0 */
  NvrtcKernels(String arch) {
    this.arch = arch;
  }

  /** The entry point {@code function} of kernel file {@code file}, compiling the file on first use. */
  synchronized Kernel get(String file, String function) {
    String key = file + ":" + function;
    Kernel k = kernels.get(key);
    if (k != null) return k;
    CUmod_st module = modules.get(file);
    if (module == null) {
      module = load(file);
      modules.put(file, module);
    }
    CUfunc_st fn = new CUfunc_st();
    CudaStatus.driver(cuModuleGetFunction(fn, module, function), "cuModuleGetFunction(" + file + ", " + function + ")");
    k = new Kernel(function, fn);
    kernels.put(key, k);
    return k;
  }

  /** Compiles every kernel file now (a benchmark's warm-up, so no compile lands in a measured call). */
  synchronized void compileAll() {
    for (String f : FILES) {
      if (!modules.containsKey(f)) modules.put(f, load(f));
    }
  }

  static String source(String file) {
    try (InputStream in = NvrtcKernels.class.getResourceAsStream(RESOURCE_DIR + file)) {
      if (in == null) throw new IllegalStateException("kernel source " + RESOURCE_DIR + file + " is missing from the class path");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("reading kernel source " + file, e);
    }
  }

  private CUmod_st load(String file) {
    byte[] cubin = compile(file);
    CUmod_st module = new CUmod_st();
    BytePointer image = new BytePointer(cubin.length);
    image.put(cubin, 0, cubin.length);
    CudaStatus.driver(cuModuleLoadData(module, image), "cuModuleLoadData(" + file + ", " + arch + " CUBIN of " + cubin.length + " bytes)");
    image.close(); // the driver has copied the image
    return module;
  }

  private byte[] compile(String file) {
    _nvrtcProgram prog = new _nvrtcProgram();
    PointerPointer<?> headers = new PointerPointer<>(source(HEADER));
    PointerPointer<?> headerNames = new PointerPointer<>(HEADER);
    CudaStatus.nvrtc(nvrtcCreateProgram(prog, new BytePointer(source(file)), new BytePointer(file), 1, headers, headerNames),
        "nvrtcCreateProgram(" + file + ")");
    try {
      String[] options = {"--gpu-architecture=" + arch, "--std=c++17"};
      int rc = nvrtcCompileProgram(prog, options.length, new PointerPointer<>(options));
      if (rc != 0) {
        throw new CudaException("nvrtcCompileProgram(" + file + ", " + String.join(" ", options) + ") failed: "
            + statusText(rc) + "\n" + log(prog), rc);
      }
      SizeTPointer size = new SizeTPointer(1);
      CudaStatus.nvrtc(nvrtcGetCUBINSize(prog, size), "nvrtcGetCUBINSize(" + file + ")");
      long n = size.get();
      if (n <= 0) throw new CudaException("NVRTC produced an empty CUBIN for " + file + " (" + arch + ")", 0);
      BytePointer cubin = new BytePointer(n);
      CudaStatus.nvrtc(nvrtcGetCUBIN(prog, cubin), "nvrtcGetCUBIN(" + file + ")");
      byte[] out = new byte[(int) n];
      cubin.get(out, 0, out.length);
      cubin.close();
      return out;
    } finally {
      nvrtcDestroyProgram(prog);
    }
  }

  private static String statusText(int rc) {
    try {
      return org.bytedeco.cuda.global.nvrtc.nvrtcGetErrorString(rc).getString() + " (" + rc + ")";
    } catch (Throwable t) {
      return "nvrtcResult " + rc;
    }
  }

  private static String log(_nvrtcProgram prog) {
    SizeTPointer size = new SizeTPointer(1);
    if (nvrtcGetProgramLogSize(prog, size) != 0 || size.get() <= 1) return "(no compiler log)";
    BytePointer log = new BytePointer(size.get());
    nvrtcGetProgramLog(prog, log);
    return log.getString();
  }
}
