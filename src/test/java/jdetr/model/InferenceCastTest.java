package jdetr.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import jdetr.model.nn.Bfloat16;
import jdetr.model.nn.TorchBlock;
import org.junit.jupiter.api.Test;

/**
 * Random-weights DETR-R50 and Deformable DETR cast to bfloat16 for inference: which parameters change type, and how
 * far its probabilities and boxes move from the float32 model's on the same padded batch.
 */
class InferenceCastTest {

  /** Bounds of the bf16 error on this input (DETR-R50 measured 0.0007 and 0.0007; README, Results). */
  static final double MAX_PROB_DELTA = 0.01;
  static final double MAX_BOX_DELTA = 0.005;

  @Test
  void bf16DetrR50StaysCloseToFloat32() {
    try (NDManager m = NDManager.newBaseManager("PyTorch"); NoGrad g = NoGrad.enter()) {
      Engine.getInstance().setRandomSeed(7);
      Detr detr = Detr.create(DetrConfig.defaults(), m);
      NDArray images = m.randomNormal(new Shape(2, 3, 320, 416));
      NDArray mask = secondImagePadded(m, 320, 416, 256, 352);
      DetrOutput fp32 = detr.forward(images, mask, false);
      float[] p32 = fp32.predLogits().softmax(-1).toFloatArray();
      float[] b32 = fp32.predBoxes().toFloatArray();

      int converted = InferenceCast.apply(detr, DataType.BFLOAT16);
      DetrOutput bf16 = detr.forward(images, mask, false);
      assertThat(bf16.predLogits().getDataType()).isEqualTo(DataType.FLOAT32);
      float[] p16 = bf16.predLogits().softmax(-1).toFloatArray();
      float[] b16 = bf16.predBoxes().toFloatArray();

      double dp = maxAbsDelta(p32, p16);
      double db = maxAbsDelta(b32, b16);
      System.out.printf("bf16 vs fp32, DETR-R50 random weights, 2x320x416: %d parameters cast,"
          + " max |dprob| %.5f, max |dbox| %.5f%n", converted, dp, db);
      assertThat(dp).isLessThan(MAX_PROB_DELTA);
      assertThat(db).isLessThan(MAX_BOX_DELTA);
      assertThat(dp + db).as("the cast changed the computation").isGreaterThan(0);
    }
  }

  @Test
  void backboneAndTransformerAreCastHeadsAndFrozenNormStayFloat32() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetrConfig small = DetrConfig.defaults().toBuilder().backbone("resnet18").encLayers(1).decLayers(1)
          .build();
      Detr detr = Detr.create(small, m);
      assertThat(InferenceCast.apply(detr, DataType.FLOAT32)).isZero();
      int n = InferenceCast.apply(detr, DataType.BFLOAT16);
      assertThat(n).isPositive();
      var params = detr.namedParameters();
      assertThat(bf16(params, "backbone.0.body.conv1.weight")).isTrue();
      assertThat(bf16(params, "transformer.encoder.layers.0.self_attn.in_proj_weight")).isTrue();
      assertThat(bf16(params, "transformer.decoder.norm.weight")).isTrue();
      assertThat(bf16(params, "query_embed.weight")).isTrue();
      assertThat(type(params, "backbone.0.body.bn1.running_var")).isEqualTo(DataType.FLOAT32);
      assertThat(type(params, "class_embed.weight")).isEqualTo(DataType.FLOAT32);
      assertThat(type(params, "bbox_embed.layers.2.bias")).isEqualTo(DataType.FLOAT32);
      assertThat(params.get("backbone.0.body.conv1.weight").getArray().getManager()).isSameAs(m);
    }
  }

  /**
   * Deformable DETR casts its backbone only; with either norm (the reference's FrozenBatchNorm2d,
   * the demo's trained BatchNorm2d) the outputs stay close to float32's.
   */
  @Test
  void deformableDetrCastsItsBackboneOnly() {
    for (Norm2d.Kind norm : Norm2d.Kind.values()) {
      try (NDManager m = NDManager.newBaseManager("PyTorch"); NoGrad g = NoGrad.enter()) {
        Engine.getInstance().setRandomSeed(11);
        DetrConfig c = DetrConfig.builder(DetrConfig.Architecture.DEFORMABLE_DETR).backbone("resnet18")
            .backboneNorm(norm).hiddenDim(64).nheads(4).dimFeedforward(128).encLayers(1).decLayers(1)
            .build();
        DetectionTransformer d = (DetectionTransformer) ModelBuilder.build(c, m);
        // the box head's last layer starts at zero (boxes = reference points): give it weights
        // so that the boxes depend on the image
        d.namedParameters().forEach((name, p) -> {
          if (name.startsWith("bbox_embed.") && name.contains("layers.2.")) {
            p.getArray().set(new NDIndex(":"), m.randomNormal(p.getArray().getShape()).mul(0.1f));
          }
        });
        NDArray images = m.randomNormal(new Shape(2, 3, 128, 160));
        NDArray mask = secondImagePadded(m, 128, 160, 96, 128);
        DetrOutput fp32 = d.forward(images, mask, false);
        float[] p32 = fp32.predLogits().getNDArrayInternal().sigmoid().toFloatArray();
        float[] b32 = fp32.predBoxes().toFloatArray();

        assertThat(InferenceCast.apply(d, DataType.BFLOAT16)).isPositive();
        var params = d.namedParameters();
        assertThat(bf16(params, "backbone.0.body.conv1.weight")).isTrue();
        assertThat(bf16(params, "backbone.0.body.layer4.1.conv2.weight")).isTrue();
        assertThat(type(params, "backbone.0.body.bn1.running_var")).isEqualTo(DataType.FLOAT32);
        assertThat(type(params, "input_proj.0.0.weight")).isEqualTo(DataType.FLOAT32);
        assertThat(type(params, "transformer.level_embed")).isEqualTo(DataType.FLOAT32);
        DetrOutput bf16 = d.forward(images, mask, false);
        double dp = maxAbsDelta(p32, bf16.predLogits().getNDArrayInternal().sigmoid().toFloatArray());
        double db = maxAbsDelta(b32, bf16.predBoxes().toFloatArray());
        System.out.printf("bf16 vs fp32, Deformable DETR-R18 (%s norm), 2x128x160: max |dprob| %.2e,"
            + " max |dbox| %.2e%n", norm.jsonName(), dp, db);
        assertThat(dp).as(norm + " probabilities").isLessThan(MAX_PROB_DELTA);
        assertThat(db).as(norm + " boxes").isLessThan(MAX_BOX_DELTA);
        assertThat(dp + db).as("the cast changed the computation").isGreaterThan(0);
      }
    }
  }

  @Test
  void theMaskHeadIsRefused() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetrConfig c = DetrConfig.defaults().toBuilder().backbone("resnet18").encLayers(1).decLayers(1)
          .masks(true).build();
      TorchBlock d = ModelBuilder.build(c, m);
      assertThatThrownBy(() -> InferenceCast.apply((DetectionTransformer) d, DataType.BFLOAT16))
          .hasMessageContaining("mask head");
    }
  }

  /** [2, h, w] padding mask: the first image fills the batch, the second is validH x validW. */
  private static NDArray secondImagePadded(NDManager m, int h, int w, int validH, int validW) {
    boolean[] padded = new boolean[2 * h * w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        padded[h * w + y * w + x] = y >= validH || x >= validW;
      }
    }
    return m.create(padded, new Shape(2, h, w));
  }

  private static boolean bf16(java.util.Map<String, ai.djl.nn.Parameter> params, String key) {
    assertThat(params).containsKey(key);
    return Bfloat16.is(params.get(key).getArray());
  }

  private static DataType type(java.util.Map<String, ai.djl.nn.Parameter> params, String key) {
    assertThat(params).containsKey(key);
    return params.get(key).getArray().getDataType();
  }

  static double maxAbsDelta(float[] a, float[] b) {
    assertThat(b).hasSameSizeAs(a);
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
