package jdetr.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.List;

/**
 * Global L2-norm gradient clipping, as {@code torch.nn.utils.clip_grad_norm_(params, max_norm)}
 * (DETR: {@code --clip_max_norm 0.1}). Not DJL's {@code optClipGrad}, which clamps each element.
 */
public final class GradientClipping {
  private GradientClipping() {}

  /**
   * Scales every gradient in place by {@code max_norm / (total_norm + 1e-6)} when that is below 1,
   * where {@code total_norm} is the L2 norm of all gradients taken together.
   *
   * @param parameters arrays whose gradients are clipped
   * @return the total norm before clipping (float32, as torch returns it)
   */
  public static float clipGlobalNorm(List<NDArray> parameters, double maxNorm) {
    if (parameters.isEmpty()) {
      return 0f;
    }
    try (GradMode off = GradMode.disabled()) {
      NDList norms = new NDList(parameters.size());
      float total;
      try {
        for (NDArray p : parameters) {
          try (NDArray g = p.getGradient()) {
            norms.add(g.norm()); // [] per-tensor L2 norm
          }
        }
        try (NDArray stacked = NDArrays.stack(norms); NDArray norm = stacked.norm()) {
          total = norm.getFloat();
        }
      } finally {
        norms.close();
      }
      // torch: clip_coef = max_norm / (total_norm + 1e-6), evaluated in float32 as reciprocal * max_norm
      float coef = (1.0f / (total + 1e-6f)) * (float) maxNorm;
      if (coef < 1.0f) {
        for (NDArray p : parameters) {
          try (NDArray g = p.getGradient()) {
            g.muli(coef);
          }
        }
      }
      return total;
    }
  }
}
