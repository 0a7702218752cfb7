package jdetr.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import jdetr.data.transforms.AugmentationConfig;
import jdetr.engine.DeviceSpec;
import jdetr.engine.MicroBatching;
import jdetr.io.JsonLimits;
import jdetr.model.DetrConfig;

/**
 * A training run, read once from a recipe: a JSON object that changes a few of the code defaults
 * (the reference's {@code main.py} arguments, names kept; DETR's, or Deformable DETR's when the
 * recipe's {@code model.architecture} is {@code deformable_detr}), then {@code --set key=value} overrides
 * with dotted keys ({@code data.root=DIR}, {@code model.num_queries=20}, {@code lr=2e-4}).
 *
 * @param model the architecture; {@code num_classes} comes from the dataset (max category id + 1)
 *     unless the recipe sets it ({@link #numClassesFromData})
 * @param numClassesFromData the recipe leaves {@code model.num_classes} to the dataset
 * @param lr learning rate of the transformer and heads (1e-4)
 * @param lrBackbone learning rate of the backbone (1e-5)
 * @param weightDecay AdamW decoupled weight decay (1e-4)
 * @param clipMaxNorm global gradient norm bound (0.1)
 * @param losses matcher costs and loss coefficients ({@code set_cost_class} … {@code eos_coef})
 * @param epochs epochs to train (300)
 * @param lrDrop StepLR period in epochs, gamma 0.1 (200)
 * @param batchSize images per optimisation step (2)
 * @param microBatching parts a step is split into ({@code micro_batches}, 1; the result does not
 *     depend on it) and how many run at once ({@code micro_batch_threads}, 1)
 * @param seed model initialisation, shuffling and augmentation (42)
 * @param data the dataset: its root, format ({@code coco} or {@code coco_panoptic}) and the
 *     synthetic one to generate when the root is empty
 * @param augmentation train and val image sizes (the reference's, or a scaled-down recipe)
 * @param evalEvery run COCO evaluation on the val split every N epochs (1), and after the last
 * @param checkpointEvery save a checkpoint every N epochs (1), and after the last
 * @param checkpointEverySteps also save one every N optimisation steps (0 = only per epoch); a
 *     run resumed from it continues at the next step of that epoch
 * @param keepCheckpoints how many checkpoints to keep (3)
 * @param maxStepsPerEpoch stop an epoch after this many steps (0 = the whole train split)
 * @param outputDir where log.jsonl, checkpoints/ and the rest go
 * @param weights initial weights (an official {@code .pth} or a jdetr weights directory), or null
 * @param segmentation {@code mask_loss_coef}, {@code dice_loss_coef}, {@code frozen_weights}
 *     (which the reference allows only with masks)
 * @param device where the model, the step's tensors and the optimizer state live ({@code cpu})
 */
public record TrainConfig(
    DetrConfig model,
    boolean numClassesFromData,
    double lr,
    double lrBackbone,
    double weightDecay,
    double clipMaxNorm,
    LossCoefficients losses,
    int epochs,
    int lrDrop,
    int batchSize,
    MicroBatching microBatching,
    long seed,
    DataRecipe data,
    AugmentationConfig augmentation,
    int evalEvery,
    int checkpointEvery,
    int checkpointEverySteps,
    int keepCheckpoints,
    int maxStepsPerEpoch,
    Path outputDir,
    Path weights,
    SegmentationRecipe segmentation,
    DeviceSpec device) {

  /** The synthetic shapes dataset to generate when {@code data.root} is empty. */
  public record SynthRecipe(
      @JsonProperty("train") int train,
      @JsonProperty("val") int val,
      @JsonProperty("size") int size,
      @JsonProperty("classes") int classes,
      @JsonProperty("seed") long seed,
      @JsonProperty("min_objects") int minObjects,
      @JsonProperty("max_objects") int maxObjects) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The dataset root ({@code data.root}). */
  public Path dataRoot() {
    return data.root();
  }

  /** The synthetic dataset to generate when the root is empty ({@code data.synth}), or null. */
  public SynthRecipe synth() {
    return data.synth();
  }

  public TrainConfig {
    positive("epochs", epochs);
    positive("lr_drop", lrDrop);
    positive("batch_size", batchSize);
    positive("eval_every", evalEvery);
    positive("checkpoint_every", checkpointEvery);
    positive("keep_checkpoints", keepCheckpoints);
    microBatching.check(batchSize, model.dropout());
    if (!(lr > 0) || lrBackbone < 0 || weightDecay < 0 || clipMaxNorm < 0 || maxStepsPerEpoch < 0
        || checkpointEverySteps < 0) {
      throw new IllegalArgumentException("recipe: lr must be > 0; lr_backbone, weight_decay,"
          + " clip_max_norm, max_steps_per_epoch and checkpoint_every_steps >= 0");
    }
    segmentation.check(model.masks(), weights != null);
  }

  /** The code defaults as a recipe object (what {@code jdetr train --print-config} starts from). */
  public static ObjectNode defaults() {
    return defaults(DetrConfig.Architecture.DETR);
  }

  /**
   * The code defaults of an architecture: DETR's {@code main.py} (lr 1e-4, lr_backbone 1e-5, 300
   * epochs, lr_drop 200) or Deformable DETR's (lr 2e-4, lr_backbone 2e-5, 50 epochs, lr_drop 40,
   * and its model defaults); weight decay 1e-4 and clip 0.1 for both.
   */
  public static ObjectNode defaults(DetrConfig.Architecture architecture) {
    boolean deformable = architecture == DetrConfig.Architecture.DEFORMABLE_DETR;
    ObjectNode d = JSON.createObjectNode();
    ObjectNode model = DetrConfig.defaults(architecture).toJson();
    model.remove("num_classes");
    d.set("model", model);
    d.put("lr", deformable ? 2e-4 : 1e-4);
    d.put("lr_backbone", deformable ? 2e-5 : 1e-5);
    d.put("weight_decay", 1e-4);
    d.put("clip_max_norm", 0.1);
    putLosses(d, deformable ? LossCoefficients.DEFORMABLE_DETR : LossCoefficients.DETR);
    d.put("epochs", deformable ? 50 : 300);
    d.put("lr_drop", deformable ? 40 : 200);
    d.put("batch_size", 2);
    d.put("micro_batches", 1);
    d.put("micro_batch_threads", 1);
    d.put("seed", 42);
    DataRecipe.putDefaults(d.putObject("data"));
    AugmentationConfig a = AugmentationConfig.DETR;
    ObjectNode aug = d.putObject("augmentation");
    aug.set("scales", JSON.valueToTree(a.scales()));
    aug.put("max_size", a.maxSize());
    aug.set("crop_resize_sizes", JSON.valueToTree(a.cropResizeSizes()));
    aug.put("crop_min_size", a.cropMinSize());
    aug.put("crop_max_size", a.cropMaxSize());
    aug.put("val_size", a.valSize());
    d.put("eval_every", 1);
    d.put("checkpoint_every", 1);
    d.put("checkpoint_every_steps", 0);
    d.put("keep_checkpoints", 3);
    d.put("max_steps_per_epoch", 0);
    d.put("output_dir", deformable ? "runs/deformable-detr" : "runs/detr");
    d.putNull("weights");
    putSegmentation(d, SegmentationRecipe.DEFAULTS);
    d.put("device", DeviceSpec.CPU.toString());
    return d;
  }

  /** Reads a recipe file and applies {@code key=value} overrides. */
  public static TrainConfig load(Path recipe, List<String> overrides) throws IOException {
    JsonNode tree;
    try {
      tree = JsonLimits.readTree(recipe);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(recipe + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new IllegalArgumentException(recipe + ": a recipe is a JSON object");
    }
    return resolve((ObjectNode) tree, overrides, recipe.toString());
  }

  /** A configuration from the full recipe JSON {@link #toJson} wrote (state.json, stage configs). */
  public static TrainConfig fromStored(String json) {
    try {
      JsonNode tree = JSON.readTree(json);
      if (tree == null || !tree.isObject()) {
        throw new IllegalArgumentException("stored recipe: expected a JSON object");
      }
      return resolve((ObjectNode) tree, List.of(), "stored recipe");
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("stored recipe: not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * The defaults of the recipe's {@code model.architecture} (the last {@code --set
   * model.architecture=...} wins), then {@code recipe} (deep merge), then the overrides.
   */
  public static TrainConfig resolve(ObjectNode recipe, List<String> overrides, String source) {
    DetrConfig.Architecture architecture = DetrConfig.architectureOf(recipe.get("model"));
    for (String o : overrides) {
      if (o.startsWith("model.architecture=")) {
        architecture = DetrConfig.Architecture.parse(o.substring("model.architecture=".length()));
      }
    }
    ObjectNode merged = defaults(architecture);
    merge(merged, recipe, source, "");
    for (String o : overrides) {
      int eq = o.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--set " + o + ": expected key=value");
      }
      set(merged, o.substring(0, eq), o.substring(eq + 1));
    }
    return fromTree(merged);
  }

  /** This configuration as the recipe object that reproduces it (stored in state.json). */
  public ObjectNode toJson() {
    ObjectNode d = defaults(model.architecture());
    ObjectNode m = model.toJson();
    if (numClassesFromData) {
      m.remove("num_classes");
    }
    d.set("model", m);
    d.put("lr", lr).put("lr_backbone", lrBackbone).put("weight_decay", weightDecay)
        .put("clip_max_norm", clipMaxNorm);
    putLosses(d, losses);
    d.put("epochs", epochs).put("lr_drop", lrDrop)
        .put("batch_size", batchSize).put("micro_batches", microBatching.parts())
        .put("micro_batch_threads", microBatching.threads()).put("seed", seed);
    data.putInto((ObjectNode) d.get("data"));
    ObjectNode aug = (ObjectNode) d.get("augmentation");
    aug.set("scales", JSON.valueToTree(augmentation.scales()));
    aug.put("max_size", augmentation.maxSize());
    aug.set("crop_resize_sizes", JSON.valueToTree(augmentation.cropResizeSizes()));
    aug.put("crop_min_size", augmentation.cropMinSize());
    aug.put("crop_max_size", augmentation.cropMaxSize());
    aug.put("val_size", augmentation.valSize());
    d.put("eval_every", evalEvery).put("checkpoint_every", checkpointEvery)
        .put("checkpoint_every_steps", checkpointEverySteps)
        .put("keep_checkpoints", keepCheckpoints).put("max_steps_per_epoch", maxStepsPerEpoch)
        .put("output_dir", outputDir.toString());
    d.put("weights", weights == null ? null : weights.toString());
    putSegmentation(d, segmentation);
    d.put("device", device.toString());
    return d;
  }

  /**
   * This run with {@code resolved} as its model (e.g. the architecture of the initial weights);
   * coefficients left at the defaults of the recipe's class loss become those of the model's.
   */
  public TrainConfig withModel(DetrConfig resolved) {
    LossCoefficients l = losses.equals(LossCoefficients.defaults(model.classLoss()))
        ? LossCoefficients.defaults(resolved.classLoss()) : losses;
    return new TrainConfig(resolved, numClassesFromData, lr, lrBackbone, weightDecay, clipMaxNorm,
        l, epochs, lrDrop, batchSize, microBatching, seed, data, augmentation, evalEvery,
        checkpointEvery, checkpointEverySteps, keepCheckpoints, maxStepsPerEpoch, outputDir,
        weights, segmentation, device);
  }

  /** The model with the dataset's class count when the recipe leaves it open. */
  public DetrConfig modelFor(int datasetClasses) {
    if (numClassesFromData) {
      return model.toBuilder().numClasses(datasetClasses).build();
    }
    if (model.numClasses() < datasetClasses) {
      throw new IllegalArgumentException("recipe model.num_classes " + model.numClasses()
          + " is below the dataset's max category id + 1 = " + datasetClasses);
    }
    return model;
  }

  private static TrainConfig fromTree(ObjectNode t) {
    JsonNode modelNode = t.get("model");
    boolean fromData = !modelNode.has("num_classes");
    ObjectNode model = modelNode.deepCopy();
    if (fromData) {
      model.put("num_classes", 1); // placeholder until the dataset is read
    }
    JsonNode a = t.get("augmentation");
    AugmentationConfig d = AugmentationConfig.DETR;
    AugmentationConfig aug = new AugmentationConfig(ints(a, "scales"), a.get("max_size").asInt(),
        ints(a, "crop_resize_sizes"), a.get("crop_min_size").asInt(),
        a.get("crop_max_size").asInt(), d.flipProbability(), d.resizeOnlyProbability(),
        a.get("val_size").asInt(), d.mean(), d.std());
    JsonNode w = t.get("weights");
    return new TrainConfig(DetrConfig.fromJson(model), fromData, num(t, "lr"),
        num(t, "lr_backbone"), num(t, "weight_decay"), num(t, "clip_max_norm"),
        new LossCoefficients(num(t, "set_cost_class"), num(t, "set_cost_bbox"),
            num(t, "set_cost_giou"), num(t, "cls_loss_coef"), num(t, "bbox_loss_coef"),
            num(t, "giou_loss_coef"), num(t, "eos_coef"),
            LossCoefficients.varifocal(t.get("loss").path("class_loss").asText())),
        integer(t, "epochs"), integer(t, "lr_drop"), integer(t, "batch_size"),
        new MicroBatching(integer(t, "micro_batches"), integer(t, "micro_batch_threads")),
        t.get("seed").asLong(), DataRecipe.fromJson(t.get("data")),
        aug, integer(t, "eval_every"), integer(t, "checkpoint_every"),
        integer(t, "checkpoint_every_steps"), integer(t, "keep_checkpoints"),
        integer(t, "max_steps_per_epoch"),
        Path.of(t.get("output_dir").asText()), w == null || w.isNull() ? null : Path.of(w.asText()),
        new SegmentationRecipe(num(t, "mask_loss_coef"), num(t, "dice_loss_coef"),
            t.get("frozen_weights").isNull() ? null : Path.of(t.get("frozen_weights").asText())),
        DeviceSpec.parse(t.get("device").asText(), "recipe device"));
  }

  private static void putSegmentation(ObjectNode d, SegmentationRecipe s) {
    d.put("mask_loss_coef", s.maskLossCoef()).put("dice_loss_coef", s.diceLossCoef());
    d.put("frozen_weights", s.frozenWeights() == null ? null : s.frozenWeights().toString());
  }

  private static void putLosses(ObjectNode d, LossCoefficients l) {
    d.put("set_cost_class", l.setCostClass()).put("set_cost_bbox", l.setCostBbox())
        .put("set_cost_giou", l.setCostGiou()).put("cls_loss_coef", l.clsLossCoef())
        .put("bbox_loss_coef", l.bboxLossCoef()).put("giou_loss_coef", l.giouLossCoef())
        .put("eos_coef", l.eosCoef());
    d.putObject("loss").put("class_loss",
        l.varifocal() ? LossCoefficients.VARIFOCAL : LossCoefficients.DEFAULT_CLASS_LOSS);
  }

  private static double num(JsonNode t, String key) {
    JsonNode v = t.get(key);
    if (!v.isNumber()) {
      throw new IllegalArgumentException("recipe " + key + ": expected a number, got " + v);
    }
    return v.asDouble();
  }

  private static int integer(JsonNode t, String key) {
    JsonNode v = t.get(key);
    if (!v.canConvertToInt()) {
      throw new IllegalArgumentException("recipe " + key + ": expected an integer, got " + v);
    }
    return v.asInt();
  }

  private static List<Integer> ints(JsonNode t, String key) {
    List<Integer> out = new ArrayList<>();
    JsonNode v = t.get(key);
    if (!v.isArray()) {
      throw new IllegalArgumentException("recipe augmentation." + key + ": expected a list of sizes");
    }
    v.forEach(n -> out.add(n.asInt()));
    return out;
  }

  private static void positive(String key, int v) {
    if (v < 1) {
      throw new IllegalArgumentException("recipe " + key + ": must be >= 1, got " + v);
    }
  }

  /** Copies {@code from} into {@code into}; a key the defaults do not have is an error. */
  private static void merge(ObjectNode into, JsonNode from, String source, String prefix) {
    for (Iterator<Map.Entry<String, JsonNode>> it = from.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = prefix + e.getKey();
      boolean known = into.has(e.getKey()) || key.equals("model.num_classes")
          || prefix.equals("data.synth.");
      if (!known) {
        throw new IllegalArgumentException(source + ": unknown recipe key '" + key + "'");
      }
      JsonNode current = into.get(e.getKey());
      if (current != null && current.isObject() && e.getValue().isObject()) {
        merge((ObjectNode) current, e.getValue(), source, key + ".");
      } else {
        into.set(e.getKey(), e.getValue());
      }
    }
  }

  private static void set(ObjectNode root, String dotted, String text) {
    String[] path = dotted.split("\\.");
    ObjectNode node = root;
    for (int i = 0; i < path.length - 1; i++) {
      JsonNode next = node.get(path[i]);
      if (next == null || next.isNull()) {
        next = node.putObject(path[i]);
      }
      if (!next.isObject()) {
        throw new IllegalArgumentException("--set " + dotted + ": " + path[i] + " is not an object");
      }
      node = (ObjectNode) next;
    }
    String leaf = path[path.length - 1];
    boolean known = node.has(leaf) || dotted.equals("model.num_classes")
        || dotted.startsWith("data.synth.");
    if (!known) {
      throw new IllegalArgumentException("--set " + dotted + ": unknown recipe key");
    }
    JsonNode value;
    try {
      value = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      value = null;
    }
    node.set(leaf, value == null || value.isMissingNode() ? TextNode.valueOf(text) : value);
  }
}
