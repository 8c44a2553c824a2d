package dev.embed4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.annotation.ByPtrPtr;
import org.junit.jupiter.api.Test;

/**
 * Runs everywhere (no GPU): the {@code kernelParams} that {@link KernelArgs} hands to cuLaunchKernel is
 * what the driver reads. First, the Java type of the array selects the preset overload that passes the
 * array itself (not {@code @ByPtrPtr}, which passes the address of a temporary holding it). Then, for
 * every {@code extern "C" __global__} signature in the kernel sources, arguments written in the
 * signature's order land so that slot i holds the address of argument i, each value read back at the
 * size the kernel declares (device pointers and unsigned long long 8 bytes, int and float 4, double 8,
 * E4jStrided 100), aligned to that size and overlapping no other argument.
 */
class KernelArgsTest {
  private static final Pattern KERNEL = Pattern.compile(
      "extern\\s+\"C\"\\s+__global__\\s+void\\s+(?:__launch_bounds__\\s*\\([^)]*\\)\\s+)?(\\w+)\\s*\\(([^)]*)\\)");

  /** A parameter as the kernel declares it, and how many bytes it reads. */
  enum Kind {
    PTR(8), I32(4), F32(4), F64(8), U64(8), STRIDED(4 * (1 + 3 * KernelArgs.MAX_DIMS));

    final int bytes;

    Kind(int bytes) {
      this.bytes = bytes;
    }

    static Kind of(String kernel, String param) {
      String p = param.trim().replaceAll("\\s+", " ");
      String type = p.substring(0, p.lastIndexOf(' ') < 0 ? p.length() : p.lastIndexOf(' ')).replace("const ", "").trim();
      if (p.contains("*")) return PTR;
      return switch (type) {
        case "int" -> I32;
        case "float" -> F32;
        case "double" -> F64;
        case "unsigned long long" -> U64;
        case "E4jStrided" -> STRIDED;
        default -> throw new AssertionError(kernel + ": parameter '" + p + "' has a type KernelArgs has no writer for");
      };
    }
  }

  /** Every kernel of every file NvrtcKernels compiles, with its parameter kinds in order. */
  static Map<String, List<Kind>> signatures() {
    Map<String, List<Kind>> out = new LinkedHashMap<>();
    for (String file : NvrtcKernels.FILES) {
      String src = NvrtcKernels.source(file).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
      Matcher m = KERNEL.matcher(src);
      while (m.find()) {
        List<Kind> kinds = new ArrayList<>();
        for (String p : m.group(2).split(",")) kinds.add(Kind.of(file + " " + m.group(1), p));
        if (out.put(m.group(1), kinds) != null) fail("kernel " + m.group(1) + " is declared twice");
      }
    }
    return out;
  }

  @Test
  void theArrayGoesToTheOverloadThatPassesItItself() throws Exception {
    Class<?> type = KernelArgs.class.getDeclaredMethod("pointers").getReturnType();
    Class<?> cudart = Class.forName("org.bytedeco.cuda.global.cudart", false, KernelArgsTest.class.getClassLoader());
    // the overload javac picks for (..., args.pointers(), (PointerPointer<?>) null): the most specific that accepts it
    Method chosen = null;
    for (Method m : cudart.getMethods()) {
      if (!m.getName().equals("cuLaunchKernel") || m.getParameterCount() != 11) continue;
      if (!m.getParameterTypes()[9].isAssignableFrom(type)) continue;
      if (chosen == null || chosen.getParameterTypes()[9].isAssignableFrom(m.getParameterTypes()[9])) chosen = m;
    }
    assertTrue(chosen != null, "no cuLaunchKernel overload accepts " + type.getName());
    assertEquals(PointerPointer.class, chosen.getParameterTypes()[9], "kernelParams must be typed PointerPointer");
    for (int p : new int[] {9, 10}) {
      for (Annotation a : chosen.getParameterAnnotations()[p]) {
        assertFalse(a instanceof ByPtrPtr, "parameter " + p + " of " + chosen + " is @ByPtrPtr: the driver would get the"
            + " address of a temporary holding the array, not the array");
      }
    }
  }

  @Test
  void everyKernelFindsEachArgumentAtTheAddressInItsSlot() {
    Map<String, List<Kind>> kernels = signatures();
    assertTrue(kernels.size() >= 30, "kernels found in the .cu files: " + kernels.keySet());
    KernelArgs args = new KernelArgs();
    for (int round = 0; round < 2; round++) { // the second round checks that begin() resets the buffers
      for (var e : kernels.entrySet()) check(args, e.getKey(), e.getValue());
    }
  }

  private static final Pattern WRITER = Pattern.compile("\\.(ptr|i32|f32|f64|u64|strided)\\(");
  private static final Pattern NAME = Pattern.compile("\"(e4j_\\w+)\"");

  /**
   * The call sites: each {@code args.begin()...} chain in the backend's sources (CudaBackend and its kernel
   * families, every {@code .java} file of the package; and each {@code chunk(...)...} chain, which starts
   * with the writers of {@code chunk} in the same file) writes, in order, what the kernel it launches
   * declares; and every kernel in the sources is launched somewhere.
   */
  @Test
  void everyLaunchInTheBackendWritesTheArgumentsItsKernelDeclares() throws IOException {
    Path dir = Path.of("src/main/java/dev/embed4j/cuda");
    if (!Files.isDirectory(dir)) dir = Path.of("native").resolve(dir);
    assumeTrue(Files.isRegularFile(dir.resolve("CudaBackend.java")), "not run from a source checkout (CudaBackend.java not found)");
    List<Path> files;
    try (var list = Files.list(dir)) {
      files = list.filter(f -> f.getFileName().toString().endsWith(".java")).sorted().toList();
    }
    Map<String, List<Kind>> kernels = signatures();
    List<String> problems = new ArrayList<>();
    java.util.Set<String> launched = new java.util.TreeSet<>();
    for (Path file : files) checkLaunches(file, kernels, launched, problems);
    java.util.Set<String> never = new java.util.TreeSet<>(kernels.keySet());
    never.removeAll(launched);
    if (!never.isEmpty()) problems.add("kernels no argument chain was matched to: " + never);
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  /** The argument chains of one source file, each against the kernel it launches. */
  private static void checkLaunches(Path file, Map<String, List<Kind>> kernels, java.util.Set<String> launched,
      List<String> problems) throws IOException {
    String src = Files.readString(file);
    String fileName = file.getFileName().toString();
    List<Kind> chunkPrefix = null;
    Matcher chain = Pattern.compile("(args\\.begin\\(\\)|\\bchunk\\([^;]*?\\))\\s*\\.[^;]*;")
        .matcher(src);
    int previousEnd = 0;
    List<int[]> spans = new ArrayList<>();
    while (chain.find()) spans.add(new int[] {chain.start(), chain.end()});
    for (int[] span : spans) {
      String text = src.substring(span[0], span[1]);
      if (text.contains("return args.begin()")) text = text.substring(text.indexOf("return args.begin()")); // chunk's body
      List<Kind> written = new ArrayList<>();
      if (text.startsWith("chunk(")) {
        if (chunkPrefix == null) fail("a chunk(...) chain comes before chunk's own definition in " + file);
        written.addAll(chunkPrefix);
      }
      Matcher w = WRITER.matcher(text);
      while (w.find()) written.add(Kind.valueOf(w.group(1).toUpperCase(java.util.Locale.ROOT)));
      if (text.startsWith("return")) {
        chunkPrefix = written;
        previousEnd = span[1];
        continue;
      }
      // the kernel: named in the launch that follows, or else in a variable set just before the chain
      int launch = src.indexOf("launch(", span[1]);
      Matcher after = NAME.matcher(src.substring(span[1], src.indexOf(';', launch)));
      String name = null;
      if (after.find()) {
        name = after.group(1);
      } else {
        Matcher before = NAME.matcher(src.substring(previousEnd, span[0]));
        while (before.find()) name = before.group(1);
      }
      int line = (int) src.substring(0, span[0]).chars().filter(c -> c == '\n').count() + 1;
      previousEnd = span[1];
      if (name == null) {
        problems.add(fileName + ":" + line + ": no kernel name found for " + text);
        continue;
      }
      launched.add(name);
      List<Kind> declared = kernels.get(name);
      if (declared == null) problems.add(fileName + ":" + line + ": launches " + name + ", which no .cu file declares");
      else if (!declared.equals(written)) {
        problems.add(fileName + ":" + line + ": " + name + " declares " + declared + ", the launch writes " + written);
      }
    }
  }

  private static void check(KernelArgs args, String kernel, List<Kind> kinds) {
    args.begin();
    for (int i = 0; i < kinds.size(); i++) {
      switch (kinds.get(i)) {
        case PTR -> args.ptr(pointerValue(i));
        case I32 -> args.i32(intValue(i));
        case F32 -> args.f32(intValue(i) + 0.25f);
        case F64 -> args.f64(intValue(i) + 0.125);
        case U64 -> args.u64(pointerValue(i) ^ Long.MIN_VALUE);
        case STRIDED -> args.strided(new int[] {i + 2, 3, 5}, new int[] {15, 5, 1}, new int[] {-7, 0, i});
      }
    }
    assertEquals(kinds.size(), args.count(), kernel + ": arguments written");
    PointerPointer<?> params = args.pointers();
    long[] start = new long[kinds.size()];
    for (int i = 0; i < kinds.size(); i++) {
      Kind k = kinds.get(i);
      String what = kernel + " argument " + i + " (" + k + ")";
      long at = params.get(i).address();
      start[i] = at;
      assertTrue(at != 0, what + ": slot is null");
      assertEquals(0, at % Math.min(k.bytes, 8), what + ": address " + Long.toHexString(at) + " misaligned");
      BytePointer v = new BytePointer(params.get(i)).capacity(k.bytes);
      switch (k) {
        case PTR -> assertEquals(pointerValue(i), v.getLong(0), what);
        case I32 -> assertEquals(intValue(i), v.getInt(0), what);
        case F32 -> assertEquals(intValue(i) + 0.25f, v.getFloat(0), what);
        case F64 -> assertEquals(intValue(i) + 0.125, v.getDouble(0), what);
        case U64 -> assertEquals(pointerValue(i) ^ Long.MIN_VALUE, v.getLong(0), what);
        case STRIDED -> {
          int[] got = new int[1 + 3 * KernelArgs.MAX_DIMS];
          for (int j = 0; j < got.length; j++) got[j] = v.getInt(4L * j);
          int[] want = {3, i + 2, 3, 5, 1, 1, 1, 1, 1, 15, 5, 1, 0, 0, 0, 0, 0, -7, 0, i, 0, 0, 0, 0, 0};
          assertEquals(Arrays.toString(want), Arrays.toString(got), what + ": rank, shape, s0, s1 padded to 8");
        }
      }
    }
    for (int i = 0; i < start.length; i++) {
      for (int j = i + 1; j < start.length; j++) {
        boolean apart = start[i] + kinds.get(i).bytes <= start[j] || start[j] + kinds.get(j).bytes <= start[i];
        assertTrue(apart, kernel + ": arguments " + i + " and " + j + " overlap");
      }
    }
  }

  /** A 64-bit value whose high and low halves both matter, different for every argument. */
  private static long pointerValue(int i) {
    return 0x7f12_3400_0000_0000L + ((long) i << 32) + 0x9876_5430L + i;
  }

  private static int intValue(int i) {
    return i % 2 == 0 ? -1000 - i : 1000 + i;
  }
}
