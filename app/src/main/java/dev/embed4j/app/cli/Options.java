package dev.embed4j.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsed options of one command: {@code --name value} or {@code --name=value}, {@code --flag}s,
 * {@code -h}/{@code --help}, and positional arguments; after {@code --} every argument is positional (a
 * text that starts with a dash).
 */
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
    boolean options = true;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      int eq = a.startsWith("--") ? a.indexOf('=') : -1;
      String name = eq > 0 ? a.substring(0, eq) : a;
      if (!options) {
        pos.add(a);
      } else if (a.equals("--")) {
        options = false;
      } else if (a.equals("--help") || a.equals("-h")) {
        help = true;
      } else if (flags.contains(name)) {
        if (eq > 0) throw new Main.UsageException(name + " takes no value");
        pairs.add(new String[] {a, "true"});
      } else if (valued.contains(name)) {
        if (eq > 0) {
          pairs.add(new String[] {name, a.substring(eq + 1)});
        } else {
          if (i + 1 >= args.length) throw new Main.UsageException(a + " needs a value");
          pairs.add(new String[] {a, args[++i]});
        }
      } else if (a.startsWith("-") && a.length() > 1) {
        throw new Main.UsageException("unknown option " + name + "; a text that starts with '-' goes after '--'");
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
      if (n < min) throw new Main.UsageException(name + " needs " + integerFrom(min) + ", got " + n);
      return n;
    } catch (NumberFormatException e) {
      throw new Main.UsageException(name + " needs " + integerFrom(min) + ", got '" + v + "'");
    }
  }

  private static String integerFrom(int min) {
    return min == 1 ? "a positive integer" : "an integer of at least " + min;
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
