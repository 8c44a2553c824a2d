package dev.embed4j.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.TinyModels;
import dev.embed4j.model.bert.Pooling;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model lookup in a fake Hugging Face cache laid out as huggingface_hub lays it out. */
class HuggingFaceCacheTest {
  @TempDir Path dir;

  /** A model repository in {@code hub} with one snapshot per commit; {@code main} (or null) written to refs/main. */
  static Path repo(Path hub, String id, String main, String... commits) throws Exception {
    Path repo = hub.resolve("models--" + id.replace("/", "--"));
    for (String c : commits) Files.createDirectories(repo.resolve("snapshots").resolve(c));
    if (main != null) {
      Files.createDirectories(repo.resolve("refs"));
      Files.writeString(repo.resolve("refs").resolve("main"), main + "\n");
    }
    return repo;
  }

  @Test
  void anIdResolvesToTheSnapshotOfItsMainBranchUnderHfHome() throws Exception {
    Path hub = dir.resolve("hf").resolve("hub");
    Path repo = repo(hub, "org/tiny", "bbb", "aaa", "bbb");
    HuggingFaceCache cache = HuggingFaceCache.fromEnvironment(Map.of("HF_HOME", dir.resolve("hf").toString()), dir.resolve("home"));
    assertEquals(hub, cache.hub());
    assertEquals(repo.resolve("snapshots").resolve("bbb"), cache.resolve("org/tiny"));
    // a model saved there loads by its id, embedding as the original does
    SentenceEncoder enc = TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, true), true, 7);
    enc.save(repo.resolve("snapshots").resolve("bbb"));
    SentenceEncoder loaded = SentenceEncoder.load(cache.resolve("org/tiny"));
    assertArrayEquals(enc.encode("a cat"), loaded.encode("a cat"), 1e-6f);
  }

  @Test
  void theCacheFolderFollowsHuggingFaceHubsEnvironmentVariables() {
    Path home = dir.resolve("home");
    assertEquals(home.resolve(".cache/huggingface/hub"), HuggingFaceCache.fromEnvironment(Map.of(), home).hub());
    assertEquals(Path.of("/x/huggingface/hub"), HuggingFaceCache.fromEnvironment(Map.of("XDG_CACHE_HOME", "/x"), home).hub());
    assertEquals(Path.of("/h/hub"), HuggingFaceCache.fromEnvironment(Map.of("HF_HOME", "/h", "XDG_CACHE_HOME", "/x"), home).hub());
    assertEquals(Path.of("/c"), HuggingFaceCache.fromEnvironment(Map.of("HF_HUB_CACHE", "/c", "HF_HOME", "/h"), home).hub());
    assertEquals(Path.of("/old"), HuggingFaceCache.fromEnvironment(Map.of("HUGGINGFACE_HUB_CACHE", "/old", "HF_HOME", "/h"), home).hub());
  }

  @Test
  void aFolderIsItselfAndABareNameIsAlsoASentenceTransformersModel() throws Exception {
    Path hub = dir.resolve("hub");
    HuggingFaceCache cache = new HuggingFaceCache(hub);
    Path folder = Files.createDirectories(dir.resolve("my-model"));
    assertEquals(folder, cache.resolve(folder.toString()));
    // no refs/main but a single snapshot: that one
    Path repo = repo(hub, "sentence-transformers/all-MiniLM-L6-v2", null, "c0ffee");
    assertEquals(repo.resolve("snapshots").resolve("c0ffee"), cache.resolve("all-MiniLM-L6-v2"));
    assertEquals(repo.resolve("snapshots").resolve("c0ffee"), cache.resolve("sentence-transformers/all-MiniLM-L6-v2"));
  }

  @Test
  void aMissingModelSaysWhereItLookedAndHowToFetchIt() throws Exception {
    Path hf = dir.resolve("hf");
    HuggingFaceCache cache = HuggingFaceCache.fromEnvironment(Map.of("HF_HOME", hf.toString()), dir.resolve("home"));
    var e = assertThrows(HuggingFaceCache.ModelNotFoundException.class, () -> cache.resolve("org/missing"));
    String m = e.getMessage();
    assertTrue(m.contains("model 'org/missing' is neither a folder nor in the local Hugging Face cache"), m);
    assertTrue(m.contains(hf.resolve("hub").resolve("models--org--missing") + " (no such folder)"), m);
    assertTrue(m.contains("$HF_HOME/hub (" + hf.resolve("hub") + ")"), m);
    assertTrue(m.contains("hf download org/missing") && m.contains("huggingface-cli download"), m);
    // the same through SentenceEncoder.load(String), which reads this process's environment
    var e2 = assertThrows(HuggingFaceCache.ModelNotFoundException.class, () -> SentenceEncoder.load("embed4j-test-org/no-such-model"));
    assertTrue(e2.getMessage().contains("models--embed4j-test-org--no-such-model (no such folder)"), e2.getMessage());
    // a bare name was looked for under sentence-transformers/ too
    var e3 = assertThrows(HuggingFaceCache.ModelNotFoundException.class, () -> cache.resolve("no-such-model"));
    assertTrue(e3.getMessage().contains("models--sentence-transformers--no-such-model (no such folder)")
        && e3.getMessage().contains("models--no-such-model (no such folder)")
        && e3.getMessage().contains("hf download sentence-transformers/no-such-model"), e3.getMessage());
    // something that is no id at all
    var e4 = assertThrows(HuggingFaceCache.ModelNotFoundException.class, () -> cache.resolve("./runs/x/final"));
    assertTrue(e4.getMessage().contains("is not a Hugging Face id"), e4.getMessage());
  }

  @Test
  void aBrokenRepositoryIsNamedWithWhatIsWrong() throws Exception {
    Path hub = dir.resolve("hub");
    HuggingFaceCache cache = new HuggingFaceCache(hub);
    repo(hub, "org/stale", "deadbeef", "aaa");
    var e = assertThrows(HuggingFaceCache.ModelNotFoundException.class, () -> cache.resolve("org/stale"));
    assertTrue(e.getMessage().contains("refs/main names commit deadbeef, whose snapshot is not there"), e.getMessage());
    repo(hub, "org/two", null, "aaa", "bbb");
    var e2 = assertThrows(HuggingFaceCache.ModelNotFoundException.class, () -> cache.resolve("org/two"));
    assertTrue(e2.getMessage().contains("2 snapshots and no refs/main to choose: [aaa, bbb]"), e2.getMessage());
  }
}
