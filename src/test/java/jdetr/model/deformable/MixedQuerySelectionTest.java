package jdetr.model.deformable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
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
 * DINO's mixed query selection: the decoder's content queries are the learned {@code tgt_embed}
 * table (the loss trains it, other rows give other predictions); without the switch the model has
 * no such table.
 */
class MixedQuerySelectionTest {

  @Test
  void contentQueriesAreLearnedAndPosTransOnlyGivesPositions() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(5);
      DetrConfig mixed = config(true);
      DeformableDetr on = DeformableDetr.create(mixed, m);
      DeformableDetr off = DeformableDetr.create(config(false), m);
      int c = mixed.hiddenDim();
      assertThat(on.stateDict().get("transformer.tgt_embed.weight").getShape())
          .isEqualTo(new Shape(mixed.numQueries(), c));
      assertThat(off.stateDict()).doesNotContainKey("transformer.tgt_embed.weight");

      NDArray images = m.randomNormal(new Shape(1, 3, 64, 64));
      NDArray mask = m.zeros(new Shape(1, 64, 64), DataType.BOOLEAN);
      float[] before = backwardOfLogits(on, images, mask);
      assertThat(gradient(on, "transformer.tgt_embed.weight").abs().max().getFloat())
          .isGreaterThan(0f);
      // the decoder reads the table: other contents, other predictions for the same proposals
      try (NoGrad g = NoGrad.enter()) {
        on.stateDict().get("transformer.tgt_embed.weight").addi(1f);
      }
      assertThat(backwardOfLogits(on, images, mask)).isNotEqualTo(before);
    }
  }

  @Test
  void needsTwoStage() {
    assertThatThrownBy(() -> new DeformableOptions(4, 4, 4, true, false, Denoising.off(),
        OneToMany.off(), false, true)).hasMessageContaining("mixed_query_selection")
        .hasMessageContaining("two_stage");
  }

  private static DetrConfig config(boolean mixedQuerySelection) {
    return DeformableDetrBehaviourTest.SMALL.toBuilder().deformable(new DeformableOptions(4, 4,
        4, true, true, Denoising.off(), OneToMany.off(), false, mixedQuerySelection)).build();
  }

  /** Backward of the last layer's logit sum; returns the logits. */
  private static float[] backwardOfLogits(DeformableDetr model, NDArray images, NDArray mask) {
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      DetrOutput out = model.forward(images, mask, true);
      NDArray logits = out.layerLogits(out.numLayers() - 1);
      gc.backward(logits.sum());
      return logits.toFloatArray();
    }
  }

  private static NDArray gradient(DeformableDetr model, String name) {
    for (NamedParameter p : TrainableParameters.of(model)) {
      if (p.name().equals(name)) {
        return p.array().getGradient();
      }
    }
    throw new AssertionError("no parameter " + name);
  }
}
