package dev.embed4j.model.train;

import dev.embed4j.losses.EmbeddingLoss;
import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.model.ModelCardData;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A loss as a model card names it: its class and its parameters, read from its public accessors (the
 * no-argument methods that return a number, a flag, a name, an enum, a set of those, or a wrapped loss),
 * as sentence-transformers' {@code get_config_dict} lists them. {@link EncoderLoss#of} is seen through to
 * the loss it wraps.
 */
final class LossDescription {
  private static final Set<String> NOT_PARAMETERS = Set.of("name", "hashCode", "toString", "getClass");

  private LossDescription() {}

  static ModelCardData.LossInfo of(EncoderLoss<?> loss) {
    Object l = loss instanceof EncoderLoss.OfEmbeddings<?> p ? p.loss() : loss;
    String name = l instanceof EmbeddingLoss e ? e.name() : l.getClass().getSimpleName();
    if (name.isEmpty() || l.getClass().isSynthetic() || l.getClass().isHidden()) name = "EncoderLoss"; // a lambda
    Map<String, String> params = new LinkedHashMap<>();
    Method[] methods = l.getClass().getMethods();
    Arrays.sort(methods, Comparator.comparing(Method::getName)); // getMethods has no fixed order
    for (Method m : methods) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || NOT_PARAMETERS.contains(m.getName())
          || m.getDeclaringClass() == Object.class || !describable(m.getReturnType())) {
        continue;
      }
      try {
        Object v = m.invoke(l);
        params.put(m.getName(), v instanceof EmbeddingLoss e ? e.name() : String.valueOf(v));
      } catch (ReflectiveOperationException | RuntimeException e) {
        // an accessor that cannot be called here is left out of the card
      }
    }
    return new ModelCardData.LossInfo(name, params);
  }

  private static boolean describable(Class<?> t) {
    return t.isPrimitive() && t != void.class || Number.class.isAssignableFrom(t) || t == Boolean.class || t == String.class
        || t.isEnum() || Collection.class.isAssignableFrom(t) || EmbeddingLoss.class.isAssignableFrom(t);
  }
}
