package dev.embed4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Functional;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.ops.PairwiseLogSumExp;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every CPU kernel gives bit-identical results whether its code runs in the interpreter (the Vector API's
 * Java fallback), in C1 or in C2 (the vector intrinsics). Exact resume from a checkpoint depends on it: a
 * resumed run compiles its kernels at other moments than the uninterrupted one did.
 *
 * <p>A child JVM with {@code -Xbatch} runs one forward and backward pass over most kernels first, before
 * anything is compiled, then again until C2 has compiled the kernels, comparing a fingerprint of every
 * output and gradient bit each time. The child reports which kernel methods C2 compiled, so the test
 * cannot pass without the intrinsic path having run.
 */
class JitDeterminismTest {
  static final int ROUNDS = 1500;

  /** A forward and backward pass over layer norm, softmax, GELU, attention, the pairwise log-sum-exp, GEMM. */
  static long fingerprint() {
    Tensor x = Tensor.randn(1, 3, 37, 45).requiresGrad(true);
    Tensor w = Tensor.uniform(2, 0.5f, 1.5f, 45).requiresGrad(true);
    Tensor b = Tensor.randn(3, 45).requiresGrad(true);
    Tensor proj = Tensor.randn(4, 45, 48).mul(0.2f).requiresGrad(true);
    Tensor h = Functional.layerNorm(x, w, b, 1e-5f);
    Tensor qkv = h.reshape(3 * 37, 45).matmul(proj).gelu().reshape(3, 37, 3, 16);
    Tensor q = qkv.slice(2, 0, 1).permute(0, 2, 1, 3), k = qkv.slice(2, 1, 2).permute(0, 2, 1, 3),
        v = qkv.slice(2, 2, 3).permute(0, 2, 1, 3);
    float[] keep = new float[3 * 37];
    for (int i = 0; i < keep.length; i++) keep[i] = i % 37 < 37 - 5 * (i / 37) ? 1 : 0;
    Tensor att = Functional.attention(q, k, v, Tensor.of(keep, 3, 37)).reshape(3 * 37, 16);
    Tensor soft = att.softmax().add(att.logSoftmax().mul(0.1f));
    Tensor tail = soft.tanh().add(soft.mul(soft).add(1f).log()).add(soft.exp().mul(0.01f));
    Tensor e = att.l2Normalize();
    PairwiseLogSumExp.Result r = Functional.pairwiseLogSumExp(e.slice(0, 0, 50), e.slice(0, 50, 111), 20f,
        PairwiseLogSumExp.Mask.diagonal(50), true);
    int[] targets = new int[3 * 37];
    for (int i = 0; i < targets.length; i++) targets[i] = i % 16;
    Tensor loss = tail.mean().add(r.rowLse().sub(r.diag()).mean()).add(r.colLse().mean())
        .add(Functional.crossEntropy(att, targets)).add(h.pow(3f).mean().mul(0.01f));
    loss.backward();
    long f = 1469598103934665603L;
    for (Tensor t : List.of(loss, h, att, tail, x.grad(), w.grad(), b.grad(), proj.grad())) {
      for (float value : t.toFloatArray()) f = (f ^ Float.floatToRawIntBits(value)) * 1099511628211L;
    }
    return f;
  }

  /** The child: prints the fingerprint of the first pass, then one line per later pass that differs. */
  public static void main(String[] args) {
    long first = fingerprint();
    System.out.println("first " + Long.toHexString(first));
    for (int i = 1; i < ROUNDS; i++) {
      long f = fingerprint();
      if (f != first) System.out.println("round " + i + " " + Long.toHexString(f));
    }
    System.out.println("done");
  }

  @Test
  void kernelsGiveTheSameBitsInTheInterpreterAndOnceC2HasCompiledThem() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = List.of(java.toString(), "--add-modules", "jdk.incubator.vector", "-Xbatch",
        "-XX:+PrintCompilation", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        JitDeterminismTest.class.getName());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<String> differing = new ArrayList<>();
    String first = null;
    boolean done = false;
    int c2Kernels = 0;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.startsWith("first ")) first = line;
        else if (line.startsWith("round ")) differing.add(line);
        else if (line.equals("done")) done = true;
        // PrintCompilation: "  time  id  flags  level  class::method (size)"; level 4 is C2
        else if (line.matches("\\s*\\d+\\s+\\d+\\s+[%sbn! ]*\\s4\\s+dev\\.embed4j\\.engine\\.cpu\\.\\S+::.*")) c2Kernels++;
      }
    }
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child JVM finished");
    assertEquals(0, p.exitValue(), "child JVM exit status");
    assertTrue(first != null && done, "child printed its fingerprints");
    assertTrue(c2Kernels >= 10, "C2 compiled the CPU kernels (" + c2Kernels + " methods)");
    assertTrue(differing.isEmpty(), "fingerprints changed as the JIT compiled the kernels: " + first + " then "
        + differing.subList(0, Math.min(5, differing.size())));
  }
}
