package dev.embed4j.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.model.TestModels;
import dev.embed4j.model.bert.BertConfig;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class OnnxGraphTest {
  @Test
  void importsMiniLmShapeAndTransposesTheAnonymousMatMulWeights() throws Exception {
    byte[] bytes = TestModels.onnxBytes();
    OnnxGraph g = OnnxGraph.parse(ByteBuffer.wrap(bytes), "minilm");
    OnnxBertImporter.Imported imp = OnnxBertImporter.importBert(g, "minilm");
    assertEquals(BertConfig.miniLmL6(), imp.config());
    // the query weight of layer 0 is the MatMul operand feeding the Add of its bias, transposed
    OnnxGraph.Initializer mm = g.initializer("onnx::MatMul_787");
    float[] inOut = mm.toFloats();
    float[] outIn = imp.weights().get("encoder.layer.0.attention.self.query.weight").toFloatArray();
    for (int i = 0; i < 384; i += 37) for (int o = 0; o < 384; o += 41) assertEquals(inOut[i * 384 + o], outIn[o * 384 + i]);
    assertArrayEquals(g.initializer("encoder.layer.3.output.LayerNorm.bias").toFloats(),
        imp.weights().get("encoder.layer.3.output.LayerNorm.bias").toFloatArray());
  }

  @Test
  void truncatedOrForeignBytesGetAnOnnxFormatException() throws Exception {
    byte[] bytes = TestModels.onnxBytes();
    var e = assertThrows(OnnxFormatException.class,
        () -> OnnxGraph.parse(ByteBuffer.wrap(Arrays.copyOf(bytes, 5_000_000)), "cut.onnx"));
    assertTrue(e.getMessage().startsWith("cut.onnx"), e.getMessage());
    assertThrows(OnnxFormatException.class, () -> OnnxGraph.parse(ByteBuffer.wrap("not a model".getBytes()), "text.onnx"));
    assertThrows(OnnxFormatException.class, () -> OnnxGraph.parse(ByteBuffer.wrap(new byte[0]), "empty.onnx"));
  }
}
