/**
 * The CUDA backend: a {@link dev.embed4j.engine.backend.BackendProvider} that the engine finds through
 * {@link java.util.ServiceLoader} when this module is present. Nothing else needs to name it.
 */
module dev.embed4j.cuda {
  requires dev.embed4j.engine;
  requires org.bytedeco.javacpp;
  requires org.bytedeco.cuda;

  exports dev.embed4j.cuda;

  provides dev.embed4j.engine.backend.BackendProvider with dev.embed4j.cuda.CudaBackendProvider;
}
