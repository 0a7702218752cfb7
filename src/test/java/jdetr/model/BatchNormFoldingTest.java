package jdetr.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Folding FrozenBatchNorm2d into the backbone's convolutions: the same features for inference,
 * and training (forward and gradients) untouched; a trained BatchNorm2d is not folded.
 */
class BatchNormFoldingTest {

  private static final String TRAINED_CONV = "backbone.0.body.layer2.0.conv1.weight";

  @Test
  void foldedResNet50EqualsUnfoldedOnAPaddedBatch() {
    try (NDManager m = NDManager.newBaseManager("PyTorch"); NoGrad g = NoGrad.enter()) {
      Engine.getInstance().setRandomSeed(11);
      Detr detr = Detr.create(DetrConfig.defaults(), m);
      randomizeNorms(detr, m);
      NDArray images = m.randomNormal(new Shape(2, 3, 224, 288));
      NDArray mask = paddedMask(m, 2, 224, 288, 160, 224);
      Backbone backbone = detr.backbone().backbone();
      NDArray unfolded = backbone.forward(images, mask, false).get(0).features();

      assertThat(BatchNormFolding.apply(detr, DataType.FLOAT32)).isEqualTo(53); // 1 + 16*3 + 4
      NDArray folded = backbone.forward(images, mask, false).get(0).features();

      double scale = unfolded.abs().max().getFloat();
      double delta = ParityFixture.maxAbsDiff(unfolded, folded);
      System.out.printf("folded vs unfolded ResNet-50, 2x3x224x288: max |d| %.3g of max |y| %.3g%n",
          delta, scale);
      assertThat(delta / scale).isLessThan(1e-5);
      assertThat(delta).as("the folded path did not run").isGreaterThan(0);
      // a second call only casts the folded weights: nothing changes for float32
      assertThat(BatchNormFolding.apply(detr, DataType.FLOAT32)).isEqualTo(53);
      assertThat(backbone.forward(images, mask, false).get(0).features().contentEquals(folded))
          .isTrue();
    }
  }

  @Test
  void trainingForwardAndGradientsIgnoreTheFold() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(12);
      DetrConfig small = DetrConfig.defaults().toBuilder().backbone("resnet18").encLayers(1)
          .decLayers(1).build();
      Detr detr = Detr.create(small, m);
      try (NoGrad g = NoGrad.enter()) {
        randomizeNorms(detr, m);
      }
      NDArray images = m.randomNormal(new Shape(2, 3, 96, 128));
      NDArray mask = paddedMask(m, 2, 96, 128, 64, 96);
      Map<String, float[]> state = new java.util.HashMap<>();
      detr.stateDict().forEach((k, v) -> state.put(k, v.toFloatArray()));
      float[] before = trainingStep(detr, images, mask);
      Parameter conv = detr.namedParameters().get(TRAINED_CONV);
      float[] gradBefore = conv.getArray().getGradient().toFloatArray();

      try (NoGrad g = NoGrad.enter()) {
        assertThat(InferenceCast.apply(detr, DataType.FLOAT32)).isZero();
      }
      float[] after = trainingStep(detr, images, mask);
      assertThat(java.util.Arrays.equals(after, before)).as("training features").isTrue();
      assertThat(java.util.Arrays.equals(conv.getArray().getGradient().toFloatArray(), gradBefore))
          .as("gradient of " + TRAINED_CONV).isTrue();
      assertThat(conv.requiresGradient()).isTrue();
      // the modules' parameters and buffers are the ones the model had
      detr.stateDict().forEach((k, v) ->
          assertThat(java.util.Arrays.equals(v.toFloatArray(), state.get(k))).as(k).isTrue());
    }
  }

  @Test
  void trainedBatchNormIsNotFolded() {
    try (NDManager m = NDManager.newBaseManager("PyTorch"); NoGrad g = NoGrad.enter()) {
      Engine.getInstance().setRandomSeed(13);
      DetrConfig batch = DetrConfig.defaults().toBuilder().backbone("resnet18")
          .backboneNorm(Norm2d.Kind.BATCH).encLayers(1).decLayers(1).build();
      Detr detr = Detr.create(batch, m);
      NDArray images = m.randomNormal(new Shape(1, 3, 64, 64));
      NDArray mask = paddedMask(m, 1, 64, 64, 64, 64);
      Backbone backbone = detr.backbone().backbone();
      NDArray before = backbone.forward(images, mask, false).get(0).features();
      assertThat(BatchNormFolding.apply(detr, DataType.FLOAT32)).isZero();
      assertThat(backbone.forward(images, mask, false).get(0).features().contentEquals(before))
          .isTrue();
    }
  }

  /** Sum of the backbone's features with training true; backward into the parameters. */
  private static float[] trainingStep(Detr detr, NDArray images, NDArray mask) {
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      gc.zeroGradients();
      NDArray f = detr.backbone().backbone().forward(images, mask, true).get(0).features();
      gc.backward(f.sum());
      return f.toFloatArray();
    }
  }

  /** Frozen-norm statistics away from the identity, so that the fold changes the weights. */
  private static void randomizeNorms(Detr detr, NDManager m) {
    for (var e : detr.namedParameters().entrySet()) {
      String k = e.getKey();
      if (!k.startsWith("backbone.") || !(k.contains(".bn") || k.contains("downsample.1"))) {
        continue;
      }
      NDArray a = e.getValue().getArray();
      boolean positive = k.endsWith("weight") || k.endsWith("running_var");
      NDArray r = positive ? m.randomUniform(0.5f, 1.5f, a.getShape())
          : m.randomUniform(-0.2f, 0.2f, a.getShape());
      a.muli(0).addi(r);
    }
  }

  /** [B, H, W] boolean; image 0 fills the batch, the others cover h x w (true = padding). */
  private static NDArray paddedMask(NDManager m, int b, int height, int width, int h, int w) {
    boolean[] padded = new boolean[b * height * width];
    for (int i = 1; i < b; i++) {
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          padded[(i * height + y) * width + x] = y >= h || x >= w;
        }
      }
    }
    return m.create(padded, new Shape(b, height, width));
  }
}
