package dev.embed4j.model.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where a model named as sentence-transformers names it lies on this machine: a folder, or a Hugging Face
 * id ({@code ORG/NAME}) already downloaded to the local Hugging Face cache, in the layout
 * {@code huggingface_hub} writes:
 *
 * <pre>
 * HUB/models--ORG--NAME/refs/main          the commit of the main branch
 * HUB/models--ORG--NAME/snapshots/COMMIT/  the files of that commit (links into blobs/)
 * </pre>
 *
 * HUB is {@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code $XDG_CACHE_HOME/huggingface/hub},
 * else {@code ~/.cache/huggingface/hub}, as {@code huggingface_hub} decides it. A name without an
 * organisation is also looked for as {@code sentence-transformers/NAME}, as sentence-transformers does
 * for its own models. Nothing is downloaded: the library never reaches the network, and a model that
 * is not there is an error that says where it looked and how to fetch it.
 */
public final class HuggingFaceCache {
  private final Path hub;
  private final String hubFrom;

  /** The cache whose {@code hub} folder is {@code hub}. */
  public HuggingFaceCache(Path hub) {
    this(hub, hub.toString());
  }

  private HuggingFaceCache(Path hub, String hubFrom) {
    this.hub = hub;
    this.hubFrom = hubFrom;
  }

  /** The cache this process's environment points to. */
  public static HuggingFaceCache fromEnvironment() {
    return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /** The cache the environment variables {@code env} point to, {@code home} standing for {@code ~}. */
  public static HuggingFaceCache fromEnvironment(Map<String, String> env, Path home) {
    String v;
    if (!(v = env.getOrDefault("HF_HUB_CACHE", "")).isEmpty()) return new HuggingFaceCache(Path.of(v), "$HF_HUB_CACHE");
    if (!(v = env.getOrDefault("HUGGINGFACE_HUB_CACHE", "")).isEmpty()) {
      return new HuggingFaceCache(Path.of(v), "$HUGGINGFACE_HUB_CACHE");
    }
    if (!(v = env.getOrDefault("HF_HOME", "")).isEmpty()) return new HuggingFaceCache(Path.of(v, "hub"), "$HF_HOME/hub");
    if (!(v = env.getOrDefault("XDG_CACHE_HOME", "")).isEmpty()) {
      return new HuggingFaceCache(Path.of(v, "huggingface", "hub"), "$XDG_CACHE_HOME/huggingface/hub");
    }
    return new HuggingFaceCache(home.resolve(".cache").resolve("huggingface").resolve("hub"), "the default, ~/.cache/huggingface/hub");
  }

  /** The hub folder this cache reads. */
  public Path hub() {
    return hub;
  }

  /**
   * The folder {@code idOrPath} names: itself when it is a folder, else the snapshot of the Hugging Face
   * id in this cache (its {@code refs/main} commit, or its only snapshot).
   *
   * @throws ModelNotFoundException when neither is there, saying where it looked and how to fetch the model
   */
  public Path resolve(String idOrPath) throws IOException {
    if (idOrPath == null || idOrPath.isBlank()) throw new IllegalArgumentException("a model folder or Hugging Face id is needed, got '" + idOrPath + "'");
    Path asPath = Path.of(idOrPath);
    if (Files.isDirectory(asPath)) return asPath;
    List<String> looked = new ArrayList<>();
    looked.add(asPath.toAbsolutePath() + " (no such folder)");
    String[] parts = idOrPath.split("/", -1);
    boolean isId = (parts.length == 1 || parts.length == 2) && Stream.of(parts).allMatch(p -> p.matches("[A-Za-z0-9][A-Za-z0-9._-]*"));
    String fetch = null;
    if (isId) {
      List<String> ids = parts.length == 2 ? List.of(idOrPath) : List.of("sentence-transformers/" + idOrPath, idOrPath);
      for (String id : ids) {
        Path snapshot = snapshot(id, looked);
        if (snapshot != null) return snapshot;
      }
      fetch = ids.get(0);
    }
    StringBuilder m = new StringBuilder("model '" + idOrPath + "' is neither a folder nor in the local Hugging Face cache; looked at:");
    for (String l : looked) m.append("\n  ").append(l);
    if (isId) {
      m.append("\nthe cache is ").append(hubFrom).append(" (").append(hub).append("); embed4j does not download. Fetch the model")
          .append(" with `hf download ").append(fetch).append("` (huggingface_hub's CLI; older versions call it")
          .append(" `huggingface-cli download`), or set HF_HOME or HF_HUB_CACHE to the cache that holds it,")
          .append(" or pass the model's folder");
    } else {
      m.append("\n'").append(idOrPath).append("' is not a Hugging Face id (ORG/NAME) either; pass a model folder");
    }
    throw new ModelNotFoundException(m.toString());
  }

  /** The snapshot folder of {@code id}, or null, noting on {@code looked} where it looked. */
  private Path snapshot(String id, List<String> looked) throws IOException {
    Path repo = hub.resolve("models--" + id.replace("/", "--"));
    if (!Files.isDirectory(repo)) {
      looked.add(repo + " (no such folder)");
      return null;
    }
    Path snapshots = repo.resolve("snapshots");
    Path ref = repo.resolve("refs").resolve("main");
    if (Files.isRegularFile(ref)) {
      String commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
      Path s = snapshots.resolve(commit);
      if (Files.isDirectory(s)) return s;
      looked.add(s + " (refs/main names commit " + commit + ", whose snapshot is not there)");
      return null;
    }
    List<Path> all = new ArrayList<>();
    if (Files.isDirectory(snapshots)) {
      try (Stream<Path> list = Files.list(snapshots)) {
        list.filter(Files::isDirectory).sorted().forEach(all::add);
      }
    }
    if (all.size() == 1) return all.get(0);
    looked.add(snapshots + (all.isEmpty() ? " (no snapshot)" : " (" + all.size() + " snapshots and no refs/main to choose: "
        + all.stream().map(p -> p.getFileName().toString()).toList() + "; pass the folder of the one wanted)"));
    return null;
  }

  /** A model named by folder or Hugging Face id that is not on this machine. */
  public static final class ModelNotFoundException extends IOException {
    ModelNotFoundException(String message) {
      super(message);
    }
  }
}
