package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import jdetr.model.nn.TorchBlock;

/**
 * The normalisation after each ResNet convolution: {@link FrozenBatchNorm2d} (the reference: an
 * ImageNet-pretrained backbone keeps its statistics) or a trained {@link BatchNorm2d} (a backbone
 * trained from scratch has no statistics worth freezing).
 */
public abstract sealed class Norm2d extends TorchBlock permits FrozenBatchNorm2d, BatchNorm2d {

  /** Which normalisation the backbone uses; JSON {@code "frozen"} or {@code "batch"}. */
  public enum Kind {
    FROZEN, BATCH;

    @JsonValue
    public String jsonName() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Kind parse(String s) {
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "frozen" -> FROZEN;
        case "batch" -> BATCH;
        default -> throw new IllegalArgumentException(
            "backbone_norm: '" + s + "' is not one of frozen, batch");
      };
    }
  }

  static Norm2d of(Kind kind, long channels) {
    return kind == Kind.FROZEN ? new FrozenBatchNorm2d(channels) : new BatchNorm2d(channels);
  }

  /** x [B, C, H, W] -> [B, C, H, W]; batch statistics are used (and tracked) when training. */
  public abstract NDArray forward(NDArray x, boolean training);

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    return new NDList(forward(inputs.singletonOrThrow(), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }
}
