package jdetr.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A parameterless TorchScript module shipped in the jar, loaded on first use and kept for the
 * JVM's lifetime (it serves every model and thread): what jdetr runs of libtorch that DJL 0.35
 * does not bind.
 */
public final class ScriptedModule {

  private final String resource;
  private volatile PtSymbolBlock module;

  /** @param resource the module's path in the jar ({@code /jdetr/…/name.pt}) */
  public ScriptedModule(String resource) {
    this.resource = resource;
  }

  /** The loaded module. */
  public PtSymbolBlock get() {
    PtSymbolBlock m = module;
    if (m == null) {
      synchronized (this) {
        m = module;
        if (m == null) {
          PtNDManager owner = (PtNDManager) NDManager.newBaseManager(Device.cpu(), "PyTorch");
          try (InputStream in = ScriptedModule.class.getResourceAsStream(resource)) {
            if (in == null) {
              throw new IllegalStateException(resource + " is missing from the jar");
            }
            m = JniUtils.loadModule(owner, in, true, false);
          } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + resource, e);
          }
          module = m;
        }
      }
    }
    return m;
  }
}
