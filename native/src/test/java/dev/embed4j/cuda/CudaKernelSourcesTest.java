package dev.embed4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * CI's guard for the kernels, which needs no GPU: every .cu file compiles with {@code nvcc -cubin} for
 * sm_80 and sm_90, and follows the rules that let NVRTC compile it too (nvcc pre-includes the CUDA
 * runtime headers, NVRTC does not, so a kernel that leans on a host header passes nvcc and fails at run
 * time: those habits are checked textually here).
 */
class CudaKernelSourcesTest {
  private static final Path DIR = locate();

  private static Path locate() {
    for (String p : new String[] {"src/main/resources/dev/embed4j/cuda", "native/src/main/resources/dev/embed4j/cuda"}) {
      Path d = Path.of(p);
      if (Files.isDirectory(d)) return d;
    }
    return null;
  }

  /** The kernel sources: from the source tree, or (run from a jar elsewhere) copied out of the class path. */
  private static Path sources() throws IOException {
    if (DIR != null) return DIR;
    Path tmp = Files.createTempDirectory("embed4j-cu");
    for (String f : NvrtcKernels.FILES) Files.writeString(tmp.resolve(f), NvrtcKernels.source(f));
    Files.writeString(tmp.resolve("common.cuh"), NvrtcKernels.source("common.cuh"));
    return tmp;
  }

  private static List<Path> cuFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
    }
  }

  private static String nvcc() {
    for (String c : new String[] {"/usr/local/cuda/bin/nvcc", "/usr/local/bin/nvcc"}) {
      if (Files.isExecutable(Path.of(c))) return c;
    }
    return onPath("nvcc");
  }

  /** The first executable of that name in a directory of PATH, or null. */
  private static String onPath(String name) {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        if (dir.isEmpty()) continue;
        Path c = Path.of(dir, name);
        if (Files.isExecutable(c)) return c.toString();
      }
    }
    return null;
  }

  @Test
  void everyKernelFileCompilesToCubinForSm80AndSm90() throws Exception {
    String nvcc = nvcc();
    assumeTrue(nvcc != null, "nvcc is neither on PATH nor at /usr/local/cuda/bin or /usr/local/bin");
    // nvcc runs the host compiler's preprocessor even for -cubin: a toolkit without gcc cannot compile
    assumeTrue(onPath("gcc") != null || onPath("g++") != null, "nvcc found (" + nvcc + "), but no gcc or g++ on PATH,"
        + " which nvcc needs as its host compiler");
    Path dir = sources();
    List<Path> files = cuFiles(dir);
    assertTrue(files.size() >= NvrtcKernels.FILES.size(), "kernel files found in " + dir + ": " + files);
    Path out = Files.createTempDirectory("embed4j-cubin");
    List<java.util.concurrent.Callable<String>> jobs = new ArrayList<>();
    for (String arch : new String[] {"sm_80", "sm_90"}) {
      for (Path f : files) jobs.add(() -> compile(nvcc, dir, f, arch, out));
    }
    // the compiles are independent and each is single-threaded: run them side by side
    int threads = Math.max(1, Math.min(jobs.size(), Runtime.getRuntime().availableProcessors()));
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    List<String> failures = new ArrayList<>();
    try {
      for (java.util.concurrent.Future<String> r : pool.invokeAll(jobs)) {
        if (r.get() != null) failures.add(r.get());
      }
    } finally {
      pool.shutdownNow();
    }
    if (!failures.isEmpty()) fail("kernels that do not compile:\n" + String.join("\n\n", failures));
  }

  /** Compiles one file for one architecture; null when it compiled, else what went wrong with nvcc's output. */
  private static String compile(String nvcc, Path dir, Path f, String arch, Path out) throws Exception {
    Path cubin = out.resolve(f.getFileName() + "." + arch + ".cubin");
    ProcessBuilder pb = new ProcessBuilder(nvcc, "-cubin", "-arch=" + arch, "-I", dir.toAbsolutePath().toString(),
        "-o", cubin.toString(), f.toAbsolutePath().toString()).redirectErrorStream(true);
    Process p = pb.start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return f.getFileName() + " " + arch + ": nvcc timed out";
    }
    if (p.exitValue() != 0) return f.getFileName() + " " + arch + ": nvcc exit " + p.exitValue() + "\n" + log;
    if (!Files.isRegularFile(cubin) || Files.size(cubin) == 0) return f.getFileName() + " " + arch + ": no CUBIN written\n" + log;
    return null;
  }

  @Test
  void theBackendListsExactlyTheKernelFilesThatExist() throws IOException {
    assumeTrue(DIR != null, "not run from a source checkout");
    TreeSet<String> onDisk = new TreeSet<>();
    for (Path p : cuFiles(DIR)) onDisk.add(p.getFileName().toString());
    assertEquals(onDisk, new TreeSet<>(NvrtcKernels.FILES), "NvrtcKernels.FILES must list every .cu file in " + DIR);
  }

  private static final Pattern GLOBAL = Pattern.compile("(.{0,40})__global__");
  private static final Pattern FORBIDDEN =
      Pattern.compile("\\b(INFINITY|NAN|FLT_MAX|FLT_MIN|DBL_MAX|size_t|u?int(8|16|32|64)_t|printf|assert|std::)\\b");

  @Test
  void kernelSourcesAreNvrtcSafe() throws IOException {
    Path dir = sources();
    List<Path> all = new ArrayList<>(cuFiles(dir));
    all.add(dir.resolve("common.cuh"));
    List<String> problems = new ArrayList<>();
    for (Path f : all) {
      byte[] bytes = Files.readAllBytes(f);
      for (int i = 0; i < bytes.length; i++) {
        if (bytes[i] < 0) {
          problems.add(f.getFileName() + ": non-ASCII byte at offset " + i + " (NVRTC is handed the bytes as they are)");
          break;
        }
      }
      String src = new String(bytes, StandardCharsets.US_ASCII);
      String code = stripComments(src);
      int line = 0;
      for (String l : code.split("\n", -1)) {
        line++;
        String t = l.trim();
        if (t.startsWith("#include") && !t.equals("#include \"common.cuh\"")) {
          problems.add(f.getFileName() + ":" + line + ": only #include \"common.cuh\" is available to NVRTC: " + t);
        }
        Matcher m = FORBIDDEN.matcher(l);
        if (m.find()) {
          problems.add(f.getFileName() + ":" + line + ": '" + m.group() + "' comes from a host header NVRTC lacks: " + t);
        }
      }
      Matcher g = GLOBAL.matcher(code.replace('\n', ' '));
      while (g.find()) {
        if (!g.group(1).contains("extern \"C\"")) {
          problems.add(f.getFileName() + ": a __global__ function without extern \"C\" (its name would be mangled): "
              + g.group(1).trim() + " __global__");
        }
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  private static String stripComments(String s) {
    // keeps line structure so reported line numbers stay right
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      if (s.startsWith("/*", i)) {
        int end = s.indexOf("*/", i + 2);
        end = end < 0 ? s.length() : end + 2;
        for (int j = i; j < end; j++) if (s.charAt(j) == '\n') out.append('\n');
        i = end;
      } else if (s.startsWith("//", i)) {
        int end = s.indexOf('\n', i);
        i = end < 0 ? s.length() : end;
      } else {
        out.append(s.charAt(i++));
      }
    }
    return out.toString();
  }
}
