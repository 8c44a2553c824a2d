package dev.embed4j.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir Path dir;

  @Test
  void f32RoundTripKeepsNamesShapesValuesAndMetadata() throws IOException {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("a.weight", Tensor.randn(1, 3, 5));
    t.put("b", Tensor.randn(2, 7));
    t.put("scalar", Tensor.scalar(4.5f));
    t.put("empty", Tensor.zeros(0, 3));
    Path f = dir.resolve("m.safetensors");
    SafeTensors.write(f, t, Map.of("format", "pt"));
    assertEquals(0, (Files.size(f) - 8 - headerLength(f)) % 4);
    assertEquals(0, headerLength(f) % 8, "data starts 8-byte aligned");
    Map<String, Tensor> back = SafeTensors.read(f);
    assertEquals(t.keySet(), back.keySet());
    for (String k : t.keySet()) {
      assertArrayEquals(t.get(k).shape(), back.get(k).shape(), k);
      assertArrayEquals(t.get(k).toFloatArray(), back.get(k).toFloatArray(), k);
    }
    assertEquals("pt", SafeTensors.readHeader(f).metadata().get("format"));
  }

  @Test
  void readsF16Bf16AndF64AndSkipsIntegers() throws IOException {
    float[] v = {1f, -2.5f, 0.0999755859375f, 65504f};
    ByteBuffer f16 = le(8), bf16 = le(8), f64 = le(32), i64 = le(16);
    for (float x : v) {
      f16.putShort(Float.floatToFloat16(x));
      bf16.putShort((short) (Float.floatToIntBits(x) >>> 16));
      f64.putDouble(x);
    }
    i64.putLong(7).putLong(9);
    Path f = file("{\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[8,16]},"
        + "\"d\":{\"dtype\":\"F64\",\"shape\":[4],\"data_offsets\":[16,48]},"
        + "\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[48,64]}}", f16, bf16, f64, i64);
    Map<String, Tensor> t = SafeTensors.read(f);
    assertEquals(java.util.Set.of("h", "b", "d"), t.keySet());
    assertArrayEquals(v, t.get("h").toFloatArray());
    assertArrayEquals(new int[] {2, 2}, t.get("h").shape());
    float[] b = t.get("b").toFloatArray();
    for (int i = 0; i < v.length; i++) assertEquals(Float.intBitsToFloat(Float.floatToIntBits(v[i]) & 0xFFFF0000), b[i]);
    assertArrayEquals(v, t.get("d").toFloatArray());
  }

  @Test
  void badFilesNameTheFileTheTensorAndTheProblem() throws IOException {
    ByteBuffer data = le(16);
    data.putLong(0).putLong(0);
    assertProblem(bad("short", new byte[] {1, 2, 3}), null, "too short");
    Path hugeLen = dir.resolve("len.safetensors");
    Files.write(hugeLen, le(16).putLong(1_000_000).putLong(0).array());
    assertProblem(hugeLen, null, "header length 1000000 is impossible");
    assertProblem(file("{not json", data), null, "not valid JSON");
    assertProblem(file("{\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", data), "w", "unknown dtype");
    assertProblem(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data), "w", "needs 12 bytes");
    assertProblem(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,8]}}", data), "w", "invalid dimension");
    assertProblem(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[8],\"data_offsets\":[0,32]}}", data), "w", "past the data");
    assertProblem(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}}", data), "w", "data_offsets");
    assertProblem(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", data), "b", "overlap tensor 'a'");
    // a valid file cut short: the last tensor's bytes are missing
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("x", Tensor.randn(3, 100));
    Path ok = dir.resolve("ok.safetensors");
    SafeTensors.write(ok, t, null);
    byte[] all = Files.readAllBytes(ok);
    assertProblem(bad("cut", java.util.Arrays.copyOf(all, all.length - 10)), "x", "past the data");
  }

  private void assertProblem(Path f, String tensor, String problem) {
    SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.read(f));
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    if (tensor != null) assertTrue(e.getMessage().contains("tensor '" + tensor + "'"), e.getMessage());
    assertTrue(e.getMessage().contains(problem), e.getMessage());
  }

  private Path bad(String name, byte[] bytes) throws IOException {
    Path f = dir.resolve(name + ".safetensors");
    Files.write(f, bytes);
    return f;
  }

  private int counter;

  private Path file(String header, ByteBuffer... data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    int n = 0;
    for (ByteBuffer b : data) n += b.capacity();
    ByteBuffer all = le(8 + h.length + n).putLong(h.length).put(h);
    for (ByteBuffer b : data) all.put(b.array());
    return bad("f" + counter++, all.array());
  }

  private static long headerLength(Path f) throws IOException {
    byte[] b = Files.readAllBytes(f);
    return ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }
}
