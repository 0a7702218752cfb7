package jdetr.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * AdamW + clip_grad_norm_ + StepLR against torch 1.13 on recorded gradients
 * (fixture: src/test/resources/parity/optim/, see its README).
 */
class AdamWParityTest {
  static final double PARAM_TOLERANCE = 1e-6;

  static JsonNode fixture() throws IOException {
    try (InputStream in = AdamWParityTest.class.getResourceAsStream("/parity/optim/adamw_clip_steplr.json")) {
      return new ObjectMapper().readTree(in);
    }
  }

  static Stream<String> scenarios() throws IOException {
    List<String> names = new ArrayList<>();
    fixture().get("scenarios").forEach(s -> names.add(s.get("name").asText()));
    return names.stream();
  }

  static float[] floats(JsonNode list) {
    float[] out = new float[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) list.get(i).asDouble();
    }
    return out;
  }

  static long[] shape(JsonNode list) {
    long[] out = new long[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = list.get(i).asLong();
    }
    return out;
  }

  /** Gives every parameter exactly the recorded gradient: backward of Σ sum(p ⊙ G). */
  static void setGradients(NDManager manager, List<NamedParameter> params, JsonNode grads) {
    try (NDManager sub = manager.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray loss = null;
      for (NamedParameter p : params) {
        NDArray g = sub.create(floats(grads.get(p.name())), p.array().getShape());
        NDArray product = p.array().mul(g); // results of ops on a parameter join its manager
        product.attach(sub);
        NDArray term = product.sum();
        term.attach(sub);
        loss = loss == null ? term : loss.add(term);
        loss.attach(sub);
      }
      collector.backward(loss);
    }
  }

  static List<ParamGroup> groupsFor(String scenario, List<NamedParameter> params, JsonNode groups) {
    double lr = groups.get(0).get("lr").asDouble();
    double lrBackbone = groups.get(1).get("lr").asDouble();
    if (scenario.equals("deformable_detr")) {
      return ParameterGroups.deformableDetr(params, lr, lrBackbone,
          ParameterGroups.DEFORMABLE_BACKBONE_NAMES, ParameterGroups.DEFORMABLE_LINEAR_PROJ_NAMES, 0.1);
    }
    return ParameterGroups.detr(params, lr, lrBackbone);
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void matchesTorch(String name) throws IOException {
    JsonNode scenario = null;
    for (JsonNode s : fixture().get("scenarios")) {
      if (s.get("name").asText().equals(name)) {
        scenario = s;
      }
    }
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      List<NamedParameter> params = new ArrayList<>();
      for (JsonNode p : scenario.get("parameters")) {
        NDArray a = manager.create(floats(p.get("initial")), new Shape(shape(p.get("shape"))));
        a.setRequiresGradient(true);
        params.add(new NamedParameter(p.get("name").asText(), a));
      }
      List<ParamGroup> groups = groupsFor(name, params, scenario.get("groups"));
      for (int g = 0; g < groups.size(); g++) {
        List<String> expected = new ArrayList<>();
        scenario.get("groups").get(g).get("params").forEach(n -> expected.add(n.asText()));
        assertThat(groups.get(g).parameters()).extracting(NamedParameter::name)
            .as("group %d", g).containsExactlyElementsOf(expected);
        assertThat(groups.get(g).lr()).isEqualTo(scenario.get("groups").get(g).get("lr").asDouble());
      }
      JsonNode betas = scenario.get("betas");
      AdamWConfig config = new AdamWConfig(betas.get(0).asDouble(), betas.get(1).asDouble(),
          scenario.get("eps").asDouble(), scenario.get("weight_decay").asDouble());
      double maxNorm = scenario.get("max_norm").asDouble();
      double maxParamDiff = 0;
      try (AdamW adamw = new AdamW(groups, config, manager)) {
        StepLR scheduler = new StepLR(adamw, scenario.get("step_size").asInt(),
            scenario.get("gamma").asDouble());
        int stepIndex = 0;
        for (JsonNode step : scenario.get("steps")) {
          stepIndex++;
          adamw.zeroGrad();
          setGradients(manager, params, step.get("grads"));
          for (int g = 0; g < adamw.groupCount(); g++) {
            assertThat(adamw.lr(g)).as("lr of group %d at step %d", g, stepIndex)
                .isEqualTo(step.get("lrs").get(g).asDouble());
          }
          float total = GradientClipping.clipGlobalNorm(adamw.parameterArrays(), maxNorm);
          double torchTotal = step.get("total_norm").asDouble();
          assertThat((double) total).isCloseTo(torchTotal, within(torchTotal * 1e-6));
          for (NamedParameter p : params) {
            try (NDArray g = p.array().getGradient()) {
              float[] ours = g.toFloatArray();
              float[] theirs = floats(step.get("clipped_grads").get(p.name()));
              for (int i = 0; i < ours.length; i++) {
                assertThat(ours[i]).as("clipped grad %s[%d] at step %d", p.name(), i, stepIndex)
                    .isCloseTo(theirs[i], within(Math.abs(theirs[i]) * 2e-6f + 1e-12f));
              }
            }
          }
          adamw.step();
          scheduler.step();
          for (NamedParameter p : params) {
            float[] ours = p.array().toFloatArray();
            float[] theirs = floats(step.get("params").get(p.name()));
            for (int i = 0; i < ours.length; i++) {
              double diff = Math.abs((double) ours[i] - theirs[i]);
              maxParamDiff = Math.max(maxParamDiff, diff);
              assertThat(diff).as("%s[%d] after step %d", p.name(), i, stepIndex)
                  .isLessThanOrEqualTo(PARAM_TOLERANCE);
            }
          }
        }
        for (int g = 0; g < adamw.groupCount(); g++) {
          assertThat(adamw.lr(g)).isEqualTo(scenario.get("final_lrs").get(g).asDouble());
        }
        try (NDManager copies = manager.newSubManager()) {
          AdamWState state = adamw.state(copies);
          double maxMomentDiff = 0;
          for (NamedParameter p : params) {
            Map<String, JsonNode> expected = new LinkedHashMap<>();
            expected.put(AdamWState.EXP_AVG, scenario.get("final_exp_avg").get(p.name()));
            expected.put(AdamWState.EXP_AVG_SQ, scenario.get("final_exp_avg_sq").get(p.name()));
            for (Map.Entry<String, JsonNode> e : expected.entrySet()) {
              float[] ours = state.moments().get(p.name() + e.getKey()).toFloatArray();
              float[] theirs = floats(e.getValue());
              for (int i = 0; i < ours.length; i++) {
                double diff = Math.abs((double) ours[i] - theirs[i]);
                maxMomentDiff = Math.max(maxMomentDiff, diff / Math.max(Math.abs(theirs[i]), 1e-12));
              }
            }
            assertThat(state.steps().get(p.name())).isEqualTo(scenario.get("steps").size());
          }
          assertThat(maxMomentDiff).as("max relative moment difference").isLessThan(1e-5);
          System.out.printf("{\"parity\":\"adamw\",\"scenario\":\"%s\",\"maxParamAbsDiff\":%.3e,"
              + "\"maxMomentRelDiff\":%.3e}%n", name, maxParamDiff, maxMomentDiff);
        }
      }
    }
  }
}
