package jdetr.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import jdetr.checkpoint.CheckpointStore;
import jdetr.checkpoint.SavedCheckpoint;
import jdetr.checkpoint.Safetensors;
import org.junit.jupiter.api.io.TempDir;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AdamWStateTest {
  static final Shape[] SHAPES = {new Shape(4, 3), new Shape(5), new Shape(2, 2, 2)};
  static final String[] NAMES = {"backbone.0.body.conv.weight", "class_embed.bias", "query_embed.weight"};

  /** Parameters, as raw bytes so that a run can be "stopped" and rebuilt from what a file holds. */
  static Map<String, byte[]> initialParameters() {
    Random r = new Random(5);
    Map<String, byte[]> out = new HashMap<>();
    for (int i = 0; i < NAMES.length; i++) {
      float[] v = new float[(int) SHAPES[i].size()];
      for (int k = 0; k < v.length; k++) {
        v[k] = (float) r.nextGaussian();
      }
      ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.nativeOrder());
      b.asFloatBuffer().put(v);
      out.put(NAMES[i], b.array());
    }
    return out;
  }

  static List<NamedParameter> parameters(NDManager m, Map<String, byte[]> bytes) {
    List<NamedParameter> params = new ArrayList<>();
    for (int i = 0; i < NAMES.length; i++) {
      NDArray a = m.create(ByteBuffer.wrap(bytes.get(NAMES[i])).order(java.nio.ByteOrder.nativeOrder()),
          SHAPES[i], DataType.FLOAT32);
      a.setRequiresGradient(true);
      params.add(new NamedParameter(NAMES[i], a));
    }
    return params;
  }

  /** One training step with pseudo-random gradients that depend only on the step number. */
  static void trainStep(NDManager m, AdamW adamw, List<NamedParameter> params, int step) {
    Random r = new Random(1000 + step);
    com.fasterxml.jackson.databind.node.ObjectNode grads =
        new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    for (NamedParameter p : params) {
      com.fasterxml.jackson.databind.node.ArrayNode list = grads.putArray(p.name());
      for (long k = 0; k < p.array().getShape().size(); k++) {
        list.add((float) r.nextGaussian() * (step % 2 == 0 ? 1f : 1e-3f));
      }
    }
    adamw.zeroGrad();
    AdamWParityTest.setGradients(m, params, grads);
    GradientClipping.clipGlobalNorm(adamw.parameterArrays(), 0.1);
    adamw.step();
  }

  static AdamW newOptimizer(NDManager m, List<NamedParameter> params) {
    return new AdamW(ParameterGroups.detr(params, 1e-2, 1e-3), new AdamWConfig(0.9, 0.999, 1e-8, 0.05), m);
  }

  @Test
  void continuingAfterRestoreGivesByteEqualParameters() {
    Map<String, byte[]> uninterrupted = new HashMap<>();
    Map<String, byte[]> uninterruptedMoments = new HashMap<>();
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      List<NamedParameter> params = parameters(m, initialParameters());
      try (AdamW adamw = newOptimizer(m, params)) {
        StepLR lr = new StepLR(adamw, 2, 0.1);
        for (int step = 1; step <= 5; step++) {
          trainStep(m, adamw, params, step);
          lr.step();
        }
        params.forEach(p -> uninterrupted.put(p.name(), p.array().toByteArray()));
        adamw.state(m).moments().forEach((k, v) -> uninterruptedMoments.put(k, v.toByteArray()));
      }
    }

    // Interrupted after 3 steps: everything goes through bytes, as through a checkpoint file.
    Map<String, byte[]> savedParams = new HashMap<>();
    Map<String, byte[]> savedMoments = new HashMap<>();
    Map<String, Long> savedSteps;
    List<Double> savedLrs;
    int savedEpoch;
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      List<NamedParameter> params = parameters(m, initialParameters());
      try (AdamW adamw = newOptimizer(m, params)) {
        StepLR lr = new StepLR(adamw, 2, 0.1);
        for (int step = 1; step <= 3; step++) {
          trainStep(m, adamw, params, step);
          lr.step();
        }
        params.forEach(p -> savedParams.put(p.name(), p.array().toByteArray()));
        AdamWState state = adamw.state(m);
        state.moments().forEach((k, v) -> savedMoments.put(k, v.toByteArray()));
        savedSteps = state.steps();
        savedLrs = state.lrs();
        savedEpoch = lr.lastEpoch();
      }
    }
    assertThat(savedLrs).containsExactly(1e-2 * 0.1, 1e-3 * 0.1);

    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      List<NamedParameter> params = parameters(m, savedParams);
      Map<String, NDArray> moments = new HashMap<>();
      for (int i = 0; i < NAMES.length; i++) {
        for (String suffix : List.of(AdamWState.EXP_AVG, AdamWState.EXP_AVG_SQ)) {
          moments.put(NAMES[i] + suffix, m.create(ByteBuffer.wrap(savedMoments.get(NAMES[i] + suffix))
              .order(java.nio.ByteOrder.nativeOrder()), SHAPES[i], DataType.FLOAT32));
        }
      }
      try (AdamW adamw = newOptimizer(m, params)) {
        adamw.restore(new AdamWState(moments, savedSteps, savedLrs));
        StepLR lr = new StepLR(adamw, 2, 0.1);
        lr.restore(savedEpoch);
        for (int step = 4; step <= 5; step++) {
          trainStep(m, adamw, params, step);
          lr.step();
        }
        for (NamedParameter p : params) {
          assertThat(p.array().toByteArray()).as(p.name()).isEqualTo(uninterrupted.get(p.name()));
        }
        adamw.state(m).moments().forEach((k, v) ->
            assertThat(v.toByteArray()).as(k).isEqualTo(uninterruptedMoments.get(k)));
        assertThat(adamw.lr(0)).isEqualTo(1e-2 * 0.1 * 0.1);
      }
    }
  }

  @Test
  void continuingFromASavedCheckpointDirectoryGivesByteEqualParameters(@TempDir Path dir) throws Exception {
    Map<String, byte[]> uninterrupted = new HashMap<>();
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      List<NamedParameter> params = parameters(m, initialParameters());
      try (AdamW adamw = newOptimizer(m, params)) {
        StepLR lr = new StepLR(adamw, 2, 0.1);
        for (int step = 1; step <= 5; step++) {
          trainStep(m, adamw, params, step);
          lr.step();
        }
        params.forEach(p -> uninterrupted.put(p.name(), p.array().toByteArray()));
      }
    }
    ObjectMapper json = new ObjectMapper();
    CheckpointStore store = new CheckpointStore(dir, 2);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      List<NamedParameter> params = parameters(m, initialParameters());
      try (AdamW adamw = newOptimizer(m, params)) {
        StepLR lr = new StepLR(adamw, 2, 0.1);
        for (int step = 1; step <= 3; step++) {
          trainStep(m, adamw, params, step);
          lr.step();
        }
        AdamWState state = adamw.state(m);
        Map<String, NDArray> weights = new LinkedHashMap<>();
        params.forEach(p -> weights.put(p.name(), p.array()));
        store.save(3, out -> {
          Safetensors.write(out.resolve("model.safetensors"), weights, Map.of());
          Safetensors.write(out.resolve("optimizer.safetensors"), state.moments(), Map.of());
          json.writeValue(out.resolve("state.json").toFile(), Map.of(
              "steps", state.steps(), "lrs", state.lrs(), "lastEpoch", lr.lastEpoch()));
        });
      }
    }
    SavedCheckpoint saved = store.loadLatest().orElseThrow();
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Map<String, NDArray> weights = Safetensors.read(saved.file("model.safetensors"), m).tensors();
      List<NamedParameter> params = new ArrayList<>();
      for (String name : NAMES) {
        NDArray a = weights.get(name);
        a.setRequiresGradient(true);
        params.add(new NamedParameter(name, a));
      }
      JsonNode state = json.readTree(saved.file("state.json").toFile());
      Map<String, Long> steps = new HashMap<>();
      state.get("steps").fields().forEachRemaining(e -> steps.put(e.getKey(), e.getValue().asLong()));
      List<Double> lrs = new ArrayList<>();
      state.get("lrs").forEach(v -> lrs.add(v.asDouble()));
      try (AdamW adamw = newOptimizer(m, params)) {
        adamw.restore(new AdamWState(
            Safetensors.read(saved.file("optimizer.safetensors"), m).tensors(), steps, lrs));
        StepLR lr = new StepLR(adamw, 2, 0.1);
        lr.restore(state.get("lastEpoch").asInt());
        for (int step = 4; step <= 5; step++) {
          trainStep(m, adamw, params, step);
          lr.step();
        }
        for (NamedParameter p : params) {
          assertThat(p.array().toByteArray()).as(p.name()).isEqualTo(uninterrupted.get(p.name()));
        }
      }
    }
  }

  @Test
  void stepsDoNotLeakArrays() {
    try (BaseNDManager m = (BaseNDManager) NDManager.newBaseManager("PyTorch")) {
      List<NamedParameter> params = parameters(m, initialParameters());
      try (AdamW adamw = newOptimizer(m, params)) {
        trainStep(m, adamw, params, 1);
        int arrays = m.getManagedArrays().size();
        for (int step = 2; step <= 6; step++) {
          trainStep(m, adamw, params, step);
        }
        assertThat(m.getManagedArrays().size()).isEqualTo(arrays);
      }
    }
  }

  @Test
  void restoreRefusesAStateOfAnotherModel() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      List<NamedParameter> params = parameters(m, initialParameters());
      try (AdamW adamw = newOptimizer(m, params)) {
        NDArray wrong = m.zeros(new Shape(7));
        Map<String, NDArray> moments = Map.of(NAMES[1] + AdamWState.EXP_AVG, wrong,
            NAMES[1] + AdamWState.EXP_AVG_SQ, wrong);
        assertThatThrownBy(() -> adamw.restore(new AdamWState(moments, Map.of(NAMES[1], 3L), List.of(1e-4, 1e-5))))
            .hasMessage("optimizer state for class_embed.bias has shape (7), the parameter (5)");
        assertThatThrownBy(() -> adamw.restore(new AdamWState(Map.of(), Map.of(NAMES[0], 3L), List.of(1e-4, 1e-5))))
            .hasMessage("optimizer state lacks the moments of backbone.0.body.conv.weight");
        assertThatThrownBy(() -> adamw.restore(new AdamWState(Map.of("decoder.w.exp_avg", wrong), Map.of(), List.of(1e-4, 1e-5))))
            .hasMessage("optimizer state has decoder.w.exp_avg for an unknown parameter");
      }
    }
  }

  @Test
  void clippingLeavesSmallGradientsAloneAndScalesLargeOnesToMaxNorm() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      List<NamedParameter> params = parameters(m, initialParameters());
      com.fasterxml.jackson.databind.node.ObjectNode grads =
          new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
      grads.putArray(NAMES[0]).add(3f).add(0f).add(0f).add(0f).add(0f).add(0f).add(0f).add(0f).add(0f).add(0f).add(0f).add(0f);
      grads.putArray(NAMES[1]).add(4f).add(0f).add(0f).add(0f).add(0f);
      grads.putArray(NAMES[2]).add(0f).add(0f).add(0f).add(0f).add(0f).add(0f).add(0f).add(0f);
      AdamWParityTest.setGradients(m, params, grads);
      List<NDArray> arrays = params.stream().map(NamedParameter::array).toList();
      assertThat(GradientClipping.clipGlobalNorm(arrays, 10.0)).isEqualTo(5f);
      assertThat(params.get(0).array().getGradient().getFloat(0, 0)).isEqualTo(3f);
      assertThat(GradientClipping.clipGlobalNorm(arrays, 0.1)).isEqualTo(5f);
      float coef = (1f / (5f + 1e-6f)) * 0.1f;
      assertThat(params.get(0).array().getGradient().getFloat(0, 0)).isEqualTo(3f * coef);
      assertThat(params.get(1).array().getGradient().getFloat(0)).isEqualTo(4f * coef);
    }
  }

  @Test
  void deformableGroupsFollowTheNameKeywords() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      List<NamedParameter> params = new ArrayList<>();
      for (String n : List.of("backbone.0.body.layer2.0.conv1.weight", "backbone.1.pos",
          "transformer.level_embed", "transformer.encoder.layers.0.self_attn.sampling_offsets.weight",
          "transformer.reference_points.bias", "class_embed.0.weight")) {
        params.add(new NamedParameter(n, m.zeros(new Shape(1))));
      }
      List<ParamGroup> groups = ParameterGroups.deformableDetr(params, 2e-4, 2e-5,
          ParameterGroups.DEFORMABLE_BACKBONE_NAMES, ParameterGroups.DEFORMABLE_LINEAR_PROJ_NAMES, 0.1);
      assertThat(groups).extracting(ParamGroup::name).containsExactly("default", "backbone", "linear_proj");
      assertThat(groups.get(0).parameters()).extracting(NamedParameter::name)
          .containsExactly("backbone.1.pos", "transformer.level_embed", "class_embed.0.weight");
      assertThat(groups.get(1).parameters()).extracting(NamedParameter::name)
          .containsExactly("backbone.0.body.layer2.0.conv1.weight");
      assertThat(groups.get(2).parameters()).extracting(NamedParameter::name)
          .containsExactly("transformer.encoder.layers.0.self_attn.sampling_offsets.weight",
              "transformer.reference_points.bias");
      assertThat(groups.get(2).lr()).isEqualTo(2e-4 * 0.1);
      List<ParamGroup> detr = ParameterGroups.detr(params, 1e-4, 1e-5);
      assertThat(detr.get(1).parameters()).hasSize(2); // DETR: "backbone" anywhere in the name
    }
  }
}
