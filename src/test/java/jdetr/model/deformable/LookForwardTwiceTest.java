package jdetr.model.deformable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Map;
import jdetr.engine.NamedParameter;
import jdetr.engine.TrainableParameters;
import jdetr.model.DeformableOptions;
import jdetr.model.Denoising;
import jdetr.model.DetrConfig;
import jdetr.model.DetrOutput;
import jdetr.model.NoGrad;
import jdetr.model.OneToMany;
import org.junit.jupiter.api.Test;

/**
 * DINO's look-forward-twice: the last layer's box loss reaches the previous layer's box head only
 * with the option on; the predictions themselves are the same.
 */
class LookForwardTwiceTest {

  private static final String PREVIOUS_HEAD = "bbox_embed.0.layers.0.weight";
  private static final String OWN_HEAD = "bbox_embed.1.layers.0.weight";

  @Test
  void theLastLayersBoxLossTrainsThePreviousBoxHeadOnlyWhenOn() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(3);
      DeformableDetr off = DeformableDetr.create(config(false), m);
      DeformableDetr on = DeformableDetr.create(config(true), m);
      try (NoGrad g = NoGrad.enter()) {
        for (NamedParameter p : TrainableParameters.of(off)) { // the box heads' last layer is 0
          p.array().addi(m.randomUniform(-0.05f, 0.05f, p.array().getShape()));
        }
      }
      on.loadStateDict(off.stateDict(), false);
      NDArray images = m.randomNormal(new Shape(1, 3, 64, 64));
      NDArray mask = m.zeros(new Shape(1, 64, 64), DataType.BOOLEAN);
      float[] boxesOff = lastLayerBoxLoss(off, images, mask);
      float[] boxesOn = lastLayerBoxLoss(on, images, mask);
      assertThat(boxesOn).containsExactly(boxesOff);

      Map<String, NDArray> gradOff = gradients(off);
      Map<String, NDArray> gradOn = gradients(on);
      assertThat(gradOff.get(OWN_HEAD).abs().max().getFloat()).isGreaterThan(1e-6f);
      assertThat(gradOn.get(OWN_HEAD).abs().max().getFloat()).isGreaterThan(1e-6f);
      assertThat(gradOff.get(PREVIOUS_HEAD).abs().max().getFloat()).isEqualTo(0f);
      assertThat(gradOn.get(PREVIOUS_HEAD).abs().max().getFloat()).isGreaterThan(1e-6f);
    }
  }

  @Test
  void needsBoxRefinement() {
    assertThatThrownBy(() -> new DeformableOptions(4, 4, 4, false, false, Denoising.off(),
        OneToMany.off(), true)).hasMessageContaining("look_forward_twice");
  }

  private static DetrConfig config(boolean lookForwardTwice) {
    return DeformableDetrBehaviourTest.SMALL.toBuilder().deformable(new DeformableOptions(4, 4,
        4, true, true, Denoising.off(), OneToMany.off(), lookForwardTwice)).build();
  }

  /** Backward of the last decoder layer's box sum; returns the boxes. */
  private static float[] lastLayerBoxLoss(DeformableDetr model, NDArray images, NDArray mask) {
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      DetrOutput out = model.forward(images, mask, true);
      NDArray last = out.layerBoxes(out.numLayers() - 1); // [1, Q, 4]
      gc.backward(last.sum());
      return last.toFloatArray();
    }
  }

  private static Map<String, NDArray> gradients(DeformableDetr model) {
    Map<String, NDArray> out = new java.util.HashMap<>();
    for (NamedParameter p : TrainableParameters.of(model)) {
      for (String head : new String[] {PREVIOUS_HEAD, OWN_HEAD}) {
        if (p.name().endsWith(head)) { // listed first as the decoder's transformer.decoder.…
          out.put(head, p.array().getGradient());
        }
      }
    }
    assertThat(out).containsKeys(PREVIOUS_HEAD, OWN_HEAD);
    return out;
  }
}
