package jdetr.model.deformable;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import jdetr.autograd.GraphSafe;

/**
 * The fraction of each feature level that is image, not padding ({@code get_valid_ratio}): unpadded
 * columns in the first row over W and unpadded rows in the first column over H, per image.
 */
public final class ValidRatios {

  private ValidRatios() {}

  /**
   * @param masks per level [N, H_l, W_l] boolean, true = padding
   * @return [N, L, 2] float32 (x ratio, y ratio), in libtorch memory
   */
  public static NDArray of(List<NDArray> masks) {
    NDList perLevel = new NDList();
    for (NDArray mask : masks) {
      long h = mask.getShape().get(1);
      long w = mask.getShape().get(2);
      NDArray validH = mask.get(":, :, 0").logicalNot().sum(new int[] {1}); // [N] int64
      NDArray validW = mask.get(":, 0, :").logicalNot().sum(new int[] {1});
      NDArray ratioH = GraphSafe.div(validH.toType(DataType.FLOAT32, false), h);
      NDArray ratioW = GraphSafe.div(validW.toType(DataType.FLOAT32, false), w);
      perLevel.add(NDArrays.stack(new NDList(ratioW, ratioH), -1)); // [N, 2]
    }
    return NDArrays.stack(perLevel, 1); // [N, L, 2]
  }
}
