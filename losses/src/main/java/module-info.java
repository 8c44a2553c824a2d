/** The contrastive and similarity losses of sentence-transformers, on the engine's ops. */
module dev.embed4j.losses {
  requires transitive dev.embed4j.engine;

  exports dev.embed4j.losses;
}
