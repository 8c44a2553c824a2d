package dev.embed4j.model.io.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link JsonValue} trees to Jackson's and back, where the public API takes or returns a Jackson
 * {@code JsonNode} and where a file is written with Jackson. Only those paths load this class, so reading a
 * model never loads Jackson's databind.
 *
 * <p>{@link #toJackson} gives the tree Jackson's {@code readTree} gives for the same text: an integer is an
 * IntNode, LongNode or BigIntegerNode by its size, any other number a DoubleNode; so a file read here and
 * written by Jackson comes out byte for byte as it did when Jackson read it.
 */
public final class JacksonTrees {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JacksonTrees() {}

  public static JsonNode toJackson(JsonValue v) {
    if (v.isObject()) {
      ObjectNode o = NODES.objectNode();
      for (Map.Entry<String, JsonValue> e : v.properties()) o.set(e.getKey(), toJackson(e.getValue()));
      return o;
    }
    if (v.isArray()) {
      ArrayNode a = NODES.arrayNode(v.size());
      for (JsonValue e : v) a.add(toJackson(e));
      return a;
    }
    if (v.isTextual()) return NODES.textNode(v.textValue());
    if (v.isNumber()) {
      JsonValue.JsonNumber n = (JsonValue.JsonNumber) v;
      if (n.isFloatingPointNumber()) return NODES.numberNode(n.doubleValue());
      if (n.canConvertToInt()) return NODES.numberNode(n.intValue());
      if (n.canConvertToLong()) return NODES.numberNode(n.longValue());
      return NODES.numberNode(n.bigIntegerValue());
    }
    if (v.isBoolean()) return NODES.booleanNode(v.asBoolean());
    if (v.isNull()) return NODES.nullNode();
    return NODES.missingNode();
  }

  /**
   * A Jackson tree as a {@link JsonValue}. Numbers keep their value: integers exactly, floating-point ones
   * (double, float, BigDecimal) as their decimal text; binary and POJO nodes become their text.
   */
  public static JsonValue fromJackson(JsonNode n) {
    if (n == null || n.isMissingNode()) return JsonValue.MISSING;
    if (n.isObject()) {
      Map<String, JsonValue> members = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : n.properties()) members.put(e.getKey(), fromJackson(e.getValue()));
      return new JsonValue.JsonObject(members);
    }
    if (n.isArray()) {
      java.util.List<JsonValue> elements = new java.util.ArrayList<>(n.size());
      for (JsonNode e : n) elements.add(fromJackson(e));
      return new JsonValue.JsonArray(elements);
    }
    if (n.isNumber()) {
      if (n.isIntegralNumber()) return JsonValue.JsonNumber.ofInteger(n.bigIntegerValue().toString());
      return JsonValue.JsonNumber.ofFloating(n.isBigDecimal() ? n.decimalValue().toString() : Double.toString(n.doubleValue()));
    }
    if (n.isBoolean()) return n.booleanValue() ? JsonValue.TRUE : JsonValue.FALSE;
    if (n.isNull()) return JsonValue.NULL;
    return new JsonValue.JsonString(n.asText());
  }
}
