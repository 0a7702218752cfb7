package jdetr.model.deformable;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.util.Map;
import jdetr.autograd.CollectedJavaMemory;
import jdetr.checkpoint.Safetensors;
import jdetr.model.NoGrad;
import jdetr.model.ParityFixture;
import org.junit.jupiter.api.Test;

/**
 * The sampling core against the reference's {@code ms_deform_attn_core_pytorch} (grid_sample,
 * bilinear, zero padding, align_corners=False) on random values, locations spread over
 * [-0.25, 1.25] (a quarter of the samples have a corner off the map) and attention weights over
 * four levels: the output, and the gradients of sum(output * w) with respect to the values, the
 * sampling locations and the attention weights, within 1e-5. The backward runs after a garbage
 * collection that overwrites freed Java memory, so a constant the graph kept in Java memory would
 * show. Without autograd (inference), the output is checked again: sampled in Java, and looked up
 * one query at a time.
 */
class MsDeformAttnCoreParityTest {

  @Test
  void outputAndGradientsMatchGridSample() throws IOException {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Map<String, NDArray> ref = Safetensors.read(
          DeformableDetrParityTest.DIR.resolve("sampling.safetensors"), m).tensors();
      long[] shapes = ref.get("shapes").toLongArray(); // [L, 2] (H, W)
      int[] heights = new int[shapes.length / 2];
      int[] widths = new int[shapes.length / 2];
      for (int l = 0; l < heights.length; l++) {
        heights[l] = (int) shapes[2 * l];
        widths[l] = (int) shapes[2 * l + 1];
      }
      FeatureLevels levels = new FeatureLevels(heights, widths);
      NDArray value = ref.get("value").duplicate();
      NDArray locations = ref.get("locations").duplicate();
      NDArray attention = ref.get("attention").duplicate();
      value.setRequiresGradient(true);
      locations.setRequiresGradient(true);
      attention.setRequiresGradient(true);
      try (NDManager step = m.newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray loss;
        NDArray out;
        try (NDManager forward = step.newSubManager()) {
          out = MsDeformAttnCore.sample(value, levels, locations, attention);
          loss = out.mul(ref.get("weights")).sum();
          out.attach(step);
          loss.attach(step);
        }
        ParityFixture.assertClose("sampling output", out, ref.get("output"), 1e-5);
        try (CollectedJavaMemory overwritten = CollectedJavaMemory.collectAndOverwrite()) {
          gc.backward(loss);
        }
      }
      ParityFixture.assertClose("sampling grad value", value.getGradient(), ref.get("grad_value"),
          1e-5);
      ParityFixture.assertClose("sampling grad locations", locations.getGradient(),
          ref.get("grad_locations"), 1e-5);
      ParityFixture.assertClose("sampling grad attention", attention.getGradient(),
          ref.get("grad_attention"), 1e-5);
      assertThat(locations.getGradient().abs().sum().getFloat()).isGreaterThan(1f);
      // inference samples in Java (float32 on the CPU), or sums the looked-up corners with a
      // batched product, in chunks of queries
      try (NoGrad off = NoGrad.enter()) {
        assertThat(MsDeformAttnCore.inferenceSampler(value.getDataType(), value.getDevice()))
            .isEqualTo(MsDeformAttnCore.DIRECT);
        ParityFixture.assertClose("sampling output, inference",
            MsDeformAttnCore.sample(value, levels, locations, attention), ref.get("output"), 1e-5);
        ParityFixture.assertClose("sampling output, inference gather in chunks",
            MsDeformAttnCore.gather(value, levels, locations, attention, 1), ref.get("output"),
            1e-5);
      }
    }
  }
}
