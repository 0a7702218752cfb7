package jdetr.model.deformable;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import jdetr.autograd.GraphSafe;

/**
 * The multi-scale deformable attention sum of {@link MsDeformAttnCore} with libtorch's bilinear
 * {@code grid_sample}, one call per level, through a TorchScript module shipped in the jar
 * ({@code grid_sampling.pt}, written by {@code generate_grid_sampling.py} next to it: DJL 0.35
 * binds no grid_sample). Autograd records through the module when the calling thread records, and
 * grid_sample's backward is one vectorised kernel per level: for the demo's encoder layer (8
 * images, 234 queries, 4 heads, 3 levels, 4 points) forward and backward take 17 ms on 2 threads
 * against 59–77 ms for the row lookups. Training samples here.
 */
final class GridSampling {

  private static final String MODULE = "/jdetr/model/deformable/grid_sampling.pt";
  private static volatile PtSymbolBlock module;

  private GridSampling() {}

  /**
   * @param value [N, S, M, D] per-head values of every level, flattened as {@code levels}
   * @param locations [N, Lq, M, L, P, 2] normalised (x, y) sampling locations
   * @param attention [N, Lq, M, L, P] attention weights
   * @return [N, Lq, M * D] on {@code value}'s manager, channels ordered (head, value channel)
   */
  static NDArray sample(NDArray value, FeatureLevels levels, NDArray locations, NDArray attention) {
    long[] sizes = new long[2 * levels.count()];
    for (int l = 0; l < levels.count(); l++) {
      sizes[2 * l] = levels.height(l);
      sizes[2 * l + 1] = levels.width(l);
    }
    try (NDManager scope = value.getManager().newSubManager();
        NDArray shapes = GraphSafe.create(scope, sizes, new Shape(levels.count(), 2))) { // [L, 2] (H, W)
      NDArray out = IValueUtils.forward(module(), new NDList(value, shapes, locations, attention),
          JniUtils.isGradMode()).singletonOrThrow();
      out.attach(value.getManager());
      return out;
    }
  }

  private static PtSymbolBlock module() {
    PtSymbolBlock m = module;
    if (m == null) {
      synchronized (GridSampling.class) {
        m = module;
        if (m == null) {
          // a base manager for the JVM's lifetime: the module has no parameters and serves every
          // model and thread
          PtNDManager owner = (PtNDManager) NDManager.newBaseManager(Device.cpu(), "PyTorch");
          try (InputStream in = GridSampling.class.getResourceAsStream(MODULE)) {
            if (in == null) {
              throw new IllegalStateException(MODULE + " is missing from the jar");
            }
            m = JniUtils.loadModule(owner, in, true, false);
          } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + MODULE, e);
          }
          module = m;
        }
      }
    }
    return m;
  }
}
