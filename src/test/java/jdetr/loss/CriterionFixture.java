package jdetr.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.data.Target;

/**
 * One recorded reference run of matcher + SetCriterion + PostProcess
 * (src/test/resources/parity/criterion/generate_criterion.py).
 */
public final class CriterionFixture {

  public final String name;
  public final ClassLoss classLoss;
  public final int batch;
  public final int queries;
  public final int numClasses;
  public final int layers;
  public final Map<String, Double> weightDict = new LinkedHashMap<>();
  public final List<Target> targets = new ArrayList<>();
  public final int[] origHeights;
  public final int[] origWidths;
  public final List<float[]> logits = new ArrayList<>();
  public final List<float[]> boxes = new ArrayList<>();
  public final List<List<Matching>> matchings = new ArrayList<>();
  public final Map<String, Double> losses = new LinkedHashMap<>();
  public final double total;
  public final List<float[]> gradLogits = new ArrayList<>();
  public final List<float[]> gradBoxes = new ArrayList<>();
  public final List<float[]> ppScores = new ArrayList<>();
  public final List<int[]> ppLabels = new ArrayList<>();
  public final List<float[]> ppBoxes = new ArrayList<>();

  private CriterionFixture(String name, JsonNode j) {
    this.name = name;
    classLoss = ClassLoss.valueOf(j.get("classLoss").asText());
    batch = j.get("batch").asInt();
    queries = j.get("queries").asInt();
    numClasses = j.get("numClasses").asInt();
    layers = j.get("layers").asInt();
    j.get("weightDict").fields().forEachRemaining(e -> weightDict.put(e.getKey(), e.getValue().asDouble()));
    for (JsonNode t : j.get("targets")) {
      targets.add(Target.of(ints(t.get("labels")), floats(t.get("boxes"))));
    }
    origHeights = new int[batch];
    origWidths = new int[batch];
    for (int i = 0; i < batch; i++) {
      origHeights[i] = j.get("origSizes").get(i).get(0).asInt();
      origWidths[i] = j.get("origSizes").get(i).get(1).asInt();
    }
    j.get("logits").forEach(a -> logits.add(floats(a)));
    j.get("boxes").forEach(a -> boxes.add(floats(a)));
    for (JsonNode layer : j.get("matchings")) {
      List<Matching> perImage = new ArrayList<>();
      for (JsonNode m : layer) {
        perImage.add(new Matching(ints(m.get("queryIdx")), ints(m.get("targetIdx"))));
      }
      matchings.add(perImage);
    }
    j.get("losses").fields().forEachRemaining(e -> losses.put(e.getKey(), e.getValue().asDouble()));
    total = j.get("total").asDouble();
    j.get("gradLogits").forEach(a -> gradLogits.add(floats(a)));
    j.get("gradBoxes").forEach(a -> gradBoxes.add(floats(a)));
    for (JsonNode r : j.get("postProcess")) {
      ppScores.add(floats(r.get("scores")));
      ppLabels.add(ints(r.get("labels")));
      ppBoxes.add(floats(r.get("boxes")));
    }
  }

  public static CriterionFixture load(String name) {
    String path = "/parity/criterion/" + name + ".json";
    try (InputStream in = CriterionFixture.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing fixture " + path);
      }
      return new CriterionFixture(name, new ObjectMapper().readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException(path, e);
    }
  }

  /** Logit columns: C+1 for softmax, C for focal. */
  public int logitDim() {
    return classLoss == ClassLoss.SIGMOID_FOCAL ? numClasses : numClasses + 1;
  }

  public NDArray logits(NDManager m, int layer) {
    return m.create(logits.get(layer), new Shape(batch, queries, logitDim()));
  }

  public NDArray boxes(NDManager m, int layer) {
    return m.create(boxes.get(layer), new Shape(batch, queries, 4));
  }

  public CriterionConfig config() {
    return classLoss == ClassLoss.SIGMOID_FOCAL ? CriterionConfig.deformableDetr() : CriterionConfig.detr();
  }

  static float[] floats(JsonNode a) {
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) a.get(i).asDouble();
    }
    return out;
  }

  static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }
}
