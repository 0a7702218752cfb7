package jdetr.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** torch.nn.BatchNorm2d semantics, and which backbone parts train with each norm. */
class BatchNorm2dTest {

  @Test
  void trainingUsesBatchStatisticsAndUpdatesTheRunningOnes() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      BatchNorm2d bn = new BatchNorm2d(2);
      bn.initialize(m, DataType.FLOAT32, new Shape(1, 2, 1, 1));
      Engine.getInstance().setRandomSeed(3);
      NDArray x = m.randomNormal(new Shape(3, 2, 2, 2)).mul(2f).add(1f); // [B, C, H, W]
      float[] v = x.toFloatArray();

      float[] y = bn.forward(x, true).toFloatArray();
      for (int c = 0; c < 2; c++) {
        double mean = 0, sq = 0;
        int n = 0;
        for (int b = 0; b < 3; b++) {
          for (int i = 0; i < 4; i++, n++) {
            mean += v[(b * 2 + c) * 4 + i];
          }
        }
        mean /= n;
        for (int b = 0; b < 3; b++) {
          for (int i = 0; i < 4; i++) {
            sq += Math.pow(v[(b * 2 + c) * 4 + i] - mean, 2);
          }
        }
        double biased = sq / n;
        for (int b = 0; b < 3; b++) {
          for (int i = 0; i < 4; i++) {
            int k = (b * 2 + c) * 4 + i;
            assertThat((double) y[k]).isCloseTo((v[k] - mean) / Math.sqrt(biased + 1e-5), within(1e-5));
          }
        }
        Map<String, NDArray> state = bn.namedParameters().entrySet().stream().collect(
            java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getArray()));
        // torch: running = 0.9 * running + 0.1 * batch, with the unbiased variance
        assertThat((double) state.get("running_mean").getFloat(c)).isCloseTo(0.1 * mean, within(1e-6));
        assertThat((double) state.get("running_var").getFloat(c))
            .isCloseTo(0.9 + 0.1 * sq / (n - 1), within(1e-6));
      }

      // Evaluation normalises with the running statistics and leaves them alone.
      NDArray runningMean = bn.namedParameters().get("running_mean").getArray().duplicate();
      NDArray runningVar = bn.namedParameters().get("running_var").getArray().duplicate();
      float[] e = bn.forward(x, false).toFloatArray();
      for (int k = 0; k < v.length; k++) {
        int c = (k / 4) % 2;
        assertThat((double) e[k]).isCloseTo((v[k] - runningMean.getFloat(c))
            / Math.sqrt(runningVar.getFloat(c) + 1e-5), within(1e-5));
      }
      assertThat(bn.namedParameters().get("running_mean").getArray().toFloatArray())
          .containsExactly(runningMean.toFloatArray());
    }
  }

  @Test
  void affineParametersReceiveGradients() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      BatchNorm2d bn = new BatchNorm2d(2);
      bn.initialize(m, DataType.FLOAT32, new Shape(1, 2, 1, 1));
      Engine.getInstance().setRandomSeed(4);
      NDArray x = m.randomNormal(new Shape(2, 2, 3, 3));
      NDArray weight = bn.namedParameters().get("weight").getArray();
      NDArray bias = bn.namedParameters().get("bias").getArray();
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        weight.getGradient().subi(weight.getGradient());
        bias.getGradient().subi(bias.getGradient());
        NDArray y = bn.forward(x, true);
        NDArray w = m.arange(36f).reshape(2, 2, 3, 3);
        gc.backward(y.mul(w).sum());
      }
      // d/d bias = sum of the weights per channel: channel 0 holds 0..8 and 18..26, channel 1 the rest
      assertThat(bias.getGradient().toFloatArray()).containsExactly(234f, 396f);
      assertThat(Math.abs(weight.getGradient().getFloat(0))).isGreaterThan(0f);
    }
  }

  @Test
  void batchNormTrainsTheWholeBackboneFrozenKeepsStemAndLayer1() {
    DetrConfig small = DetrBehaviourTest.SMALL;
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Map<String, Parameter> frozen = Detr.create(small, m).namedParameters();
      Map<String, Parameter> batch = Detr.create(
          small.toBuilder().backboneNorm(Norm2d.Kind.BATCH).build(), m).namedParameters();
      String[] names = {"backbone.0.body.conv1.weight", "backbone.0.body.layer1.0.conv1.weight",
          "backbone.0.body.layer1.0.bn1.weight", "backbone.0.body.layer3.1.bn2.bias"};
      assertThat(names).allSatisfy(n -> assertThat(batch.get(n).requiresGradient()).as(n).isTrue());
      assertThat(frozen.get(names[0]).requiresGradient()).isFalse();
      assertThat(frozen.get(names[1]).requiresGradient()).isFalse();
      assertThat(frozen.get(names[3]).requiresGradient()).isFalse();
      assertThat(frozen.get("backbone.0.body.layer3.1.conv2.weight").requiresGradient()).isTrue();
      assertThat(batch.get("backbone.0.body.bn1.running_var").requiresGradient()).isFalse();
      assertThat(batch.keySet()).isEqualTo(frozen.keySet());
    }
  }
  @Test
  void collectedUpdatesAppliedInOrderEqualTheUpdatesOneAfterAnother() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      BatchNorm2d one = new BatchNorm2d(2);
      BatchNorm2d two = new BatchNorm2d(2);
      one.initialize(m, DataType.FLOAT32, new Shape(1, 2, 1, 1));
      two.initialize(m, DataType.FLOAT32, new Shape(1, 2, 1, 1));
      Engine.getInstance().setRandomSeed(5);
      NDArray a = m.randomNormal(new Shape(3, 2, 2, 2)).mul(2f).add(1f);
      NDArray b = m.randomNormal(new Shape(2, 2, 3, 3)).mul(0.5f).sub(3f);
      float[] y0 = one.forward(a, true).toFloatArray(); // one after another: a twice, then b
      one.forward(a, true);
      one.forward(b, true);
      RunningStatistics first = RunningStatistics.collect(m);
      float[] y = two.forward(a, true).toFloatArray();
      two.forward(a, true);
      first.close();
      RunningStatistics second = RunningStatistics.collect(m);
      two.forward(b, true);
      second.close();
      NDArray mean = two.namedParameters().get("running_mean").getArray();
      NDArray var = two.namedParameters().get("running_var").getArray();
      assertThat(mean.toFloatArray()).as("untouched while collected").containsExactly(0f, 0f);
      assertThat(var.toFloatArray()).containsExactly(1f, 1f);
      assertThat(y).as("normalised with the batch statistics all the same")
          .containsExactly(y0);
      first.apply();
      second.apply();
      NDArray expectedMean = one.namedParameters().get("running_mean").getArray();
      NDArray expectedVar = one.namedParameters().get("running_var").getArray();
      assertThat(mean.sub(expectedMean).abs().max().getFloat()).isLessThan(1e-6f);
      assertThat(var.sub(expectedVar).abs().max().getFloat()).isLessThan(1e-6f);
      assertThat(Math.abs(expectedMean.getFloat(0))).as("the statistics moved").isGreaterThan(0.1f);
    }
  }

  @Test
  void aBackboneKeepsItsReturnedMapsForNaNImages() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Backbone backbone = new Backbone("resnet18", true, false, List.of(2, 3),
          Norm2d.Kind.BATCH);
      backbone.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
      NDArray images = m.full(new Shape(1, 3, 64, 64), Float.NaN);
      NDArray mask = m.zeros(new Shape(1, 64, 64), DataType.BOOLEAN);
      List<FeatureMap> maps = backbone.forward(images, mask, true);
      assertThat(maps).hasSize(2);
      // the stage-2 map is also stage 3's input; it must not be closed with the stage inputs
      assertThat(maps.get(0).features().isNaN().all().getBoolean()).isTrue();
      assertThat(maps.get(1).features().getShape()).isEqualTo(new Shape(1, 256, 4, 4));
    }
  }
}
