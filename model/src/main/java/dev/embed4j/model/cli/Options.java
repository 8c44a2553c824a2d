package dev.embed4j.model.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Parsed {@code --name value} options, {@code --flag}s and positional arguments of one command. */
final class Options {
  private final Map<String, String> values = new HashMap<>();
  private final List<String> positional = new ArrayList<>();
  final boolean help;

  private Options(boolean help) {
    this.help = help;
  }

  static Options parse(String[] args, Set<String> valued, Set<String> flags) {
    boolean help = false;
    Options o = null;
    List<String[]> pairs = new ArrayList<>();
    List<String> pos = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--help") || a.equals("-h")) {
        help = true;
      } else if (flags.contains(a)) {
        pairs.add(new String[] {a, "true"});
      } else if (valued.contains(a)) {
        if (i + 1 >= args.length) throw new Main.UsageException(a + " needs a value");
        pairs.add(new String[] {a, args[++i]});
      } else if (a.startsWith("--")) {
        throw new Main.UsageException("unknown option " + a);
      } else {
        pos.add(a);
      }
    }
    o = new Options(help);
    for (String[] p : pairs) o.values.put(p[0], p[1]);
    o.positional.addAll(pos);
    return o;
  }

  List<String> positional() {
    return positional;
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  String text(String name, String dflt) {
    return values.getOrDefault(name, dflt);
  }

  Path path(String name) {
    String v = values.get(name);
    return v == null ? null : Path.of(v);
  }

  int integer(String name, int dflt, int min) {
    String v = values.get(name);
    if (v == null) return dflt;
    try {
      int n = Integer.parseInt(v);
      if (n < min) throw new Main.UsageException(name + " must be at least " + min + ", got " + n);
      return n;
    } catch (NumberFormatException e) {
      throw new Main.UsageException(name + " needs an integer, got '" + v + "'");
    }
  }

  float number(String name, float dflt) {
    String v = values.get(name);
    if (v == null) return dflt;
    try {
      return Float.parseFloat(v);
    } catch (NumberFormatException e) {
      throw new Main.UsageException(name + " needs a number, got '" + v + "'");
    }
  }
}
