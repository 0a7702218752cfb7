package jdetr.model.segmentation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;
import jdetr.loss.MaskLosses;
import jdetr.loss.MaskTargets;
import jdetr.model.DetrOutput;
import jdetr.model.NoGrad;
import jdetr.model.ParityFixture;
import jdetr.model.StateDict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Same weights and padded batch as the reference DETRsegm (generate_segm_fixtures.py): the
 * attention maps, every GroupNorm stage of the mask head, pred_masks, loss_mask / loss_dice and
 * their gradients (w.r.t. pred_masks and some parameters of the head and the detector).
 */
class DETRsegmParityTest {

  private static final double TOL = SegmFixture.TOLERANCE;

  @Test
  void forwardMatchesTheReference() {
    Engine.getInstance().setRandomSeed(0);
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        NoGrad g = NoGrad.enter()) {
      SegmFixture f = SegmFixture.load(m);
      DETRsegm segm = DETRsegm.create(f.config, m);
      StateDict.LoadReport report = segm.loadStateDict(f.weights(m), false);
      assertThat(report.freshKeys()).isEmpty();
      NDArray[] batch = f.batch(m);
      Map<String, NDArray> taps = new LinkedHashMap<>();
      DetrOutput out = segm.forward(segm.backbone().forward(batch[0], batch[1]), false, taps);

      ParityFixture.assertClose("segm pred_logits", out.predLogits(), f.ref.get("pred_logits"), TOL);
      ParityFixture.assertClose("segm pred_boxes", out.predBoxes(), f.ref.get("pred_boxes"), TOL);
      ParityFixture.assertClose("segm bbox_mask", taps.get("bbox_mask"), f.ref.get("bbox_mask"), TOL);
      int row = f.meta.get("rows").get(0).asInt();
      for (String gn : new String[] {"gn1", "gn2", "gn3", "gn4", "gn5"}) {
        ParityFixture.assertClose("segm mask_head." + gn + " row " + row,
            taps.get(gn).get(row + ":" + (row + 1)), f.ref.get("mask_head." + gn), TOL);
      }
      ParityFixture.assertClose("segm pred_masks", out.predMasks(), f.ref.get("pred_masks"), TOL);
      assertThat(out.predMasks().getShape().getShape()).containsExactly(2, 5, 16, 24); // H/4, W/4
    }
  }

  /** The losses and dL/dpred_masks, on the reference's pred_masks as the leaf. */
  @ParameterizedTest
  @ValueSource(strings = {"a", "b"})
  void maskLossesMatchTheReference(String c) {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      SegmFixture f = SegmFixture.load(m);
      NDArray pred = f.ref.get("pred_masks").duplicate();
      pred.setRequiresGradient(true);
      Map<String, NDArray> losses;
      try (GradientCollector gc = m.getEngine().newGradientCollector()) {
        losses = MaskLosses.defaults().compute(pred, MaskTargets.of(f.targetMasks(c, m)),
            f.matchings(c), f.numBoxes(c));
        gc.backward(losses.get("loss_mask").add(losses.get("loss_dice")));
      }
      double dMask = Math.abs(losses.get("loss_mask").getFloat() - f.scalar("loss_" + c + ".loss_mask"));
      double dDice = Math.abs(losses.get("loss_dice").getFloat() - f.scalar("loss_" + c + ".loss_dice"));
      System.out.printf("parity segm loss case %s: |loss_mask diff| %.3e, |loss_dice diff| %.3e%n",
          c, dMask, dDice);
      assertThat(dMask).as("loss_mask").isLessThanOrEqualTo(TOL);
      assertThat(dDice).as("loss_dice").isLessThanOrEqualTo(TOL);
      ParityFixture.assertClose("segm case " + c + " dL/dpred_masks", pred.getGradient(),
          f.ref.get("loss_" + c + ".grad_pred_masks"), TOL);
    }
  }

  /** Forward, mask losses and backward through the whole model: gradients of a few parameters. */
  @ParameterizedTest
  @ValueSource(strings = {"a", "b"})
  void parameterGradientsMatchTheReference(String c) {
    Engine.getInstance().setRandomSeed(0);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      SegmFixture f = SegmFixture.load(m);
      DETRsegm segm = DETRsegm.create(f.config, m);
      segm.loadStateDict(f.weights(m), false);
      NDArray[] batch = f.batch(m);
      Map<String, Parameter> params = segm.namedParameters();
      try (GradientCollector gc = m.getEngine().newGradientCollector()) {
        DetrOutput out = segm.forward(batch[0], batch[1], false);
        Map<String, NDArray> losses = MaskLosses.defaults().compute(out.predMasks(),
            MaskTargets.of(f.targetMasks(c, m)), f.matchings(c), f.numBoxes(c));
        assertThat((double) losses.get("loss_mask").getFloat())
            .isCloseTo(f.scalar("loss_" + c + ".loss_mask"), within(TOL));
        assertThat((double) losses.get("loss_dice").getFloat())
            .isCloseTo(f.scalar("loss_" + c + ".loss_dice"), within(TOL));
        gc.backward(losses.get("loss_mask").add(losses.get("loss_dice")));
      }
      for (var p : f.meta.get("grad_params")) {
        String name = p.asText();
        ParityFixture.assertClose("segm case " + c + " grad " + name,
            params.get(name).getArray().getGradient(), f.ref.get("loss_" + c + ".grad." + name), TOL);
      }
    }
  }
}
