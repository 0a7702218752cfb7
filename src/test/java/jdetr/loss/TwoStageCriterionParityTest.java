package jdetr.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jdetr.data.Target;
import jdetr.matcher.HungarianMatcher;
import jdetr.matcher.MatchInput;
import jdetr.matcher.MatcherConfig;
import org.junit.jupiter.api.Test;

/**
 * Two-stage Deformable DETR's set loss against the reference (two_stage_criterion.json from
 * parity/deformable/generate_two_stage_criterion.py): the encoder proposals are matched against the
 * targets with every label 0 exactly as the reference matches them, and every term (decoder layers
 * and {@code _enc}), the weighted total and its gradients w.r.t. the proposals agree.
 */
class TwoStageCriterionParityTest {

  @Test
  void encoderProposalTermsMatchTheReference() throws IOException {
    JsonNode j = new ObjectMapper().readTree(
        Path.of("src/test/resources/parity/deformable/two_stage_criterion.json").toFile());
    int b = j.get("batch").asInt();
    int q = j.get("queries").asInt();
    int s = j.get("proposals").asInt();
    int c = j.get("numClasses").asInt();
    int layers = j.get("layers").asInt();
    List<Target> targets = new ArrayList<>();
    for (JsonNode t : j.get("targets")) {
      targets.add(Target.of(CriterionFixture.ints(t.get("labels")),
          CriterionFixture.floats(t.get("boxes"))));
    }
    List<List<Matching>> recorded = new ArrayList<>();
    for (JsonNode layer : j.get("matchings")) {
      List<Matching> perImage = new ArrayList<>();
      for (JsonNode m : layer) {
        perImage.add(new Matching(CriterionFixture.ints(m.get("queryIdx")),
            CriterionFixture.ints(m.get("targetIdx"))));
      }
      recorded.add(perImage);
    }
    float[] encLogits = CriterionFixture.floats(j.get("encLogits"));
    float[] encBoxes = CriterionFixture.floats(j.get("encBoxes"));

    // the proposals' matching, class-agnostic, equals the reference's
    List<Matching> encMatching = new HungarianMatcher(MatcherConfig.DEFORMABLE_DETR).matchAll(
        MatchInput.ofLayers(encLogits, encBoxes, 1, s, c, SetCriterion.classAgnostic(targets)));
    for (int i = 0; i < b; i++) {
      assertThat(encMatching.get(i).queryIdx()).as("image " + i)
          .containsExactly(recorded.get(layers).get(i).queryIdx());
      assertThat(encMatching.get(i).targetIdx()).as("image " + i)
          .containsExactly(recorded.get(layers).get(i).targetIdx());
    }

    SetCriterion criterion = new SetCriterion(CriterionConfig.deformableDetr(), c);
    Map<String, Double> weights = criterion.weightDict(layers, true);
    j.get("weightDict").fields().forEachRemaining(e ->
        assertThat(weights).containsEntry(e.getKey(), e.getValue().asDouble()));
    assertThat(weights).hasSize(j.get("weightDict").size());
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      List<LayerPrediction> predictions = new ArrayList<>();
      for (int l = 0; l < layers; l++) {
        predictions.add(new LayerPrediction(
            m.create(CriterionFixture.floats(j.get("logits").get(l)), new Shape(b, q, c)),
            m.create(CriterionFixture.floats(j.get("boxes").get(l)), new Shape(b, q, 4))));
      }
      NDArray logits = m.create(encLogits, new Shape(b, s, c));
      NDArray boxes = m.create(encBoxes, new Shape(b, s, 4));
      logits.setRequiresGradient(true);
      boxes.setRequiresGradient(true);
      SetLosses losses = criterion.compute(predictions, targets, recorded.subList(0, layers),
          Normalisers.of(targets, q, 0.1), 0, new SetCriterion.EncoderProposals(new LayerPrediction(logits, boxes), encMatching));
      Map<String, Float> values = losses.values();
      j.get("losses").fields().forEachRemaining(e -> {
        assertThat(values).as(e.getKey()).containsKey(e.getKey());
        assertThat((double) values.get(e.getKey())).as(e.getKey())
            .isCloseTo(e.getValue().asDouble(), offset(1e-5 * Math.max(1, e.getValue().asDouble())));
      });
      assertThat((double) losses.total().getFloat()).isCloseTo(j.get("total").asDouble(),
          offset(1e-4));
      gc.backward(losses.total());
      float[] gl = logits.getGradient().toFloatArray();
      float[] gb = boxes.getGradient().toFloatArray();
      float[] rl = CriterionFixture.floats(j.get("gradEncLogits"));
      float[] rb = CriterionFixture.floats(j.get("gradEncBoxes"));
      for (int i = 0; i < gl.length; i++) {
        assertThat(gl[i]).as("d total / d enc logit " + i).isCloseTo(rl[i], offset(1e-6f));
      }
      for (int i = 0; i < gb.length; i++) {
        assertThat(gb[i]).as("d total / d enc box " + i).isCloseTo(rb[i], offset(1e-5f));
      }
    }
  }
}
