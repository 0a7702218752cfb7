package jdetr.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.IntStream;
import jdetr.model.DeformableOptions;
import jdetr.model.DetrConfig;
import jdetr.model.DetrConfig.Architecture;
import jdetr.model.DetrConfig.PositionEmbeddingKind;

/**
 * The {@code config.json} of a transformers DETR or Deformable DETR directory, as jdetr's
 * {@link DetrConfig}: {@code model_type}/{@code architectures}, {@code id2label} (or {@code
 * num_labels}) as the class count and names, the backbone ({@code backbone} and {@code dilation}
 * with timm, else {@code backbone_config}'s depths and block type; {@code backbone_kwargs.out_indices}
 * for a ResNet cut short), {@code d_model}, {@code encoder_layers}/{@code decoder_layers}, heads,
 * feed-forward sizes, {@code num_queries}, {@code position_embedding_type}, and Deformable DETR's
 * {@code num_feature_levels}, points, {@code with_box_refine}, {@code two_stage} and {@code
 * two_stage_num_proposals}. A missing field takes the transformers default; a value jdetr cannot
 * build is an error naming the field. Other fields (losses, initialisation) are not read.
 *
 * @param categories names by id; {@code id2label}'s "N/A" placeholders are left out
 * @param backboneNames how the ResNet's tensors are named
 * @param panoptic {@code DetrForSegmentation} (DETR with the panoptic mask head)
 */
public record TransformersConfig(DetrConfig config, SortedMap<Integer, String> categories,
    TransformersNames.BackboneNames backboneNames, boolean panoptic) {

  /** The name of the file in a transformers model directory. */
  public static final String FILE = "config.json";
  /** transformers' name of a class id without a category. */
  static final String NO_LABEL = "N/A";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Map<String, String> RESNETS = Map.of(
      "basic[2, 2, 2, 2]", "resnet18", "basic[3, 4, 6, 3]", "resnet34",
      "bottleneck[3, 4, 6, 3]", "resnet50", "bottleneck[3, 4, 23, 3]", "resnet101");

  /** Reads {@code config.json}; errors name the file and the field. */
  public static TransformersConfig read(Path file) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException(file + ": not a JSON object");
    }
    try {
      return parse(root);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  static TransformersConfig parse(JsonNode root) {
    String type = root.path("model_type").asText("");
    Architecture architecture = switch (type) {
      case "detr" -> Architecture.DETR;
      case "deformable_detr" -> Architecture.DEFORMABLE_DETR;
      default -> throw new IllegalArgumentException("model_type '" + type + "' is not one of detr,"
          + " deformable_detr");
    };
    boolean panoptic = false;
    JsonNode classes = root.path("architectures");
    if (classes.isArray() && !classes.isEmpty()) {
      String head = classes.get(0).asText();
      List<String> known = architecture == Architecture.DETR
          ? List.of("DetrForObjectDetection", "DetrForSegmentation")
          : List.of("DeformableDetrForObjectDetection");
      if (!known.contains(head)) {
        throw new IllegalArgumentException("architectures[0] '" + head + "' is not one of " + known
            + " (weights without detection heads cannot be loaded)");
      }
      panoptic = head.equals("DetrForSegmentation");
    }
    DetrConfig.Builder b = DetrConfig.builder(architecture);
    SortedMap<Integer, String> names = new TreeMap<>();
    b.numClasses(labels(root, names));
    TransformersNames.BackboneNames backboneNames = backbone(root, b);
    b.hiddenDim(integer(root, "d_model", 256));
    b.encLayers(integer(root, "encoder_layers", 6));
    b.decLayers(integer(root, "decoder_layers", 6));
    b.nheads(same(root, "encoder_attention_heads", "decoder_attention_heads", 8));
    int ffn = architecture == Architecture.DETR ? 2048 : 1024;
    b.dimFeedforward(same(root, "encoder_ffn_dim", "decoder_ffn_dim", ffn));
    b.dropout(root.path("dropout").asDouble(0.1));
    b.auxLoss(root.path("auxiliary_loss").asBoolean(false));
    String activation = root.path("activation_function").asText("relu");
    require(activation.equals("relu"), "activation_function", "'" + activation + "' (jdetr's layers use relu)");
    require(integer(root, "num_channels", 3) == 3, "num_channels", "must be 3 (RGB)");
    String positions = root.path("position_embedding_type").asText("sine");
    require(positions.equals("sine") || positions.equals("learned"), "position_embedding_type",
        "'" + positions + "' is not one of sine, learned");
    b.positionEmbedding(PositionEmbeddingKind.parse(positions));
    int queries = integer(root, "num_queries", architecture == Architecture.DETR ? 100 : 300);
    if (architecture == Architecture.DEFORMABLE_DETR) {
      boolean twoStage = root.path("two_stage").asBoolean(false);
      b.deformable(new DeformableOptions(integer(root, "num_feature_levels", 4),
          integer(root, "encoder_n_points", 4), integer(root, "decoder_n_points", 4),
          root.path("with_box_refine").asBoolean(false), twoStage));
      if (twoStage) {
        queries = integer(root, "two_stage_num_proposals", 300);
      }
    }
    b.numQueries(queries);
    DetrConfig config = withOutIndices(root, b.build());
    return new TransformersConfig(config, names, backboneNames, panoptic);
  }

  /** The class count from {@code id2label} (ids 0..N-1) or {@code num_labels}; names into {@code names}. */
  private static int labels(JsonNode root, SortedMap<Integer, String> names) {
    JsonNode id2label = root.get("id2label");
    JsonNode numLabels = root.get("num_labels");
    if (id2label == null || id2label.isNull()) {
      int n = numLabels == null ? 2 : numLabels.asInt(-1); // PretrainedConfig's default: 2 labels
      require(n > 0, "num_labels", "must be a positive integer, got " + numLabels);
      IntStream.range(0, n).forEach(i -> names.put(i, "LABEL_" + i));
      return n;
    }
    require(id2label.isObject() && !id2label.isEmpty(), "id2label", "must be a non-empty object");
    for (Iterator<Map.Entry<String, JsonNode>> it = id2label.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      int id;
      try {
        id = Integer.parseInt(e.getKey());
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException("id2label: id '" + e.getKey() + "' is not an integer", ex);
      }
      require(id >= 0 && id < id2label.size(), "id2label", "ids must be 0.." + (id2label.size() - 1)
          + " (one per class), got " + id);
      if (!e.getValue().asText().equals(NO_LABEL)) {
        names.put(id, e.getValue().asText());
      }
    }
    require(numLabels == null || numLabels.asInt() == id2label.size(), "num_labels",
        numLabels + " differs from the " + id2label.size() + " entries of id2label");
    return id2label.size();
  }

  /** The ResNet: timm's by name ({@code backbone}, {@code dilation}) or transformers' by depths. */
  private static TransformersNames.BackboneNames backbone(JsonNode root, DetrConfig.Builder b) {
    boolean timm = root.path("use_timm_backbone").asBoolean(true);
    if (timm) {
      String name = root.path("backbone").asText("resnet50");
      String plain = name.replaceFirst("^timm/", "").replaceFirst("\\..*$", "");
      require(DetrConfig.BACKBONES.contains(plain), "backbone", "'" + name + "' is not one of "
          + DetrConfig.BACKBONES);
      b.backbone(plain).dilation(root.path("dilation").asBoolean(false));
      return TransformersNames.BackboneNames.TIMM;
    }
    JsonNode resnet = root.path("backbone_config");
    require(resnet.path("model_type").asText("").equals("resnet"), "backbone_config.model_type",
        "'" + resnet.path("model_type").asText("") + "': only a transformers ResNet is supported");
    String key = resnet.path("layer_type").asText("bottleneck") + resnet.path("depths");
    String plain = RESNETS.get(key.replace(",", ", "));
    require(plain != null, "backbone_config", "layer_type/depths " + key + " are not those of "
        + DetrConfig.BACKBONES);
    require(!resnet.path("downsample_in_bottleneck").asBoolean(false), "backbone_config.downsample_in_bottleneck",
        "must be false (torchvision strides in the 3x3 convolution)");
    require(!root.path("dilation").asBoolean(false), "dilation", "needs the timm backbone");
    b.backbone(plain);
    return TransformersNames.BackboneNames.TRANSFORMERS_RESNET;
  }

  /**
   * {@code config} with the ResNet stages of {@code backbone_kwargs.out_indices}: transformers builds
   * the ResNet up to the last stage listed; DETR reads the last, Deformable DETR stages 2.. (one
   * level: the last only), so the list must be the one {@link #outIndices} gives.
   */
  private static DetrConfig withOutIndices(JsonNode root, DetrConfig config) {
    JsonNode given = root.path("backbone_kwargs").path("out_indices");
    if (given.isMissingNode() || given.isNull()) {
      return config;
    }
    List<Integer> actual = new ArrayList<>();
    given.forEach(v -> actual.add(v.asInt()));
    require(!actual.isEmpty() && actual.get(actual.size() - 1) >= 2
        && actual.get(actual.size() - 1) <= 4, "backbone_kwargs.out_indices",
        "must end at stage 2, 3 or 4, got " + given);
    DetrConfig cut;
    try {
      cut = config.toBuilder().backboneStages(actual.get(actual.size() - 1)).build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("backbone_kwargs.out_indices " + given + ": " + e.getMessage(), e);
    }
    require(outIndices(cut).equals(actual), "backbone_kwargs.out_indices", given + " is not "
        + outIndices(cut) + ", the stages this model reads");
    return cut;
  }

  /** The out_indices transformers needs for {@code config}'s backbone stages and levels. */
  static List<Integer> outIndices(DetrConfig config) {
    int last = config.backboneStages();
    if (!config.isDeformable()) {
      return IntStream.rangeClosed(1, last).boxed().toList();
    }
    return config.deformable().numFeatureLevels() > 1
        ? IntStream.rangeClosed(2, last).boxed().toList() : List.of(last);
  }

  /** {@code config} and the category names as a transformers {@code config.json}. */
  public static byte[] toJson(DetrConfig config, Map<Integer, String> categories) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    boolean deformable = config.isDeformable();
    root.putArray("architectures").add(deformable ? "DeformableDetrForObjectDetection"
        : config.masks() ? "DetrForSegmentation" : "DetrForObjectDetection");
    root.put("model_type", deformable ? "deformable_detr" : "detr");
    root.put("use_timm_backbone", true);
    root.put("backbone", config.backbone());
    root.put("use_pretrained_backbone", false);
    root.put("dilation", config.dilation());
    if (config.backboneStages() != 4) {
      ArrayNode indices = root.putObject("backbone_kwargs").putArray("out_indices");
      outIndices(config).forEach(indices::add);
    }
    root.put("num_channels", 3);
    root.put("d_model", config.hiddenDim());
    root.put("encoder_layers", config.encLayers());
    root.put("decoder_layers", config.decLayers());
    root.put("encoder_attention_heads", config.nheads());
    root.put("decoder_attention_heads", config.nheads());
    root.put("encoder_ffn_dim", config.dimFeedforward());
    root.put("decoder_ffn_dim", config.dimFeedforward());
    root.put("activation_function", "relu");
    root.put("dropout", config.dropout());
    root.put("attention_dropout", 0.0);
    root.put("activation_dropout", 0.0);
    root.put("position_embedding_type", config.positionEmbedding().jsonName());
    root.put("auxiliary_loss", config.auxLoss());
    root.put("num_queries", config.numQueries());
    if (deformable) {
      DeformableOptions d = config.deformable();
      root.put("num_feature_levels", d.numFeatureLevels());
      root.put("encoder_n_points", d.encNPoints());
      root.put("decoder_n_points", d.decNPoints());
      root.put("with_box_refine", d.withBoxRefine());
      root.put("two_stage", d.twoStage());
      root.put("two_stage_num_proposals", config.numQueries());
    }
    ObjectNode id2label = root.putObject("id2label");
    ObjectNode label2id = root.putObject("label2id");
    for (int id = 0; id < config.numClasses(); id++) {
      String name = categories.getOrDefault(id, NO_LABEL);
      id2label.put(Integer.toString(id), name);
      label2id.put(name, id);
    }
    root.put("is_encoder_decoder", true);
    root.put("torch_dtype", "float32");
    return JSON.writeValueAsBytes(root);
  }

  private static int integer(JsonNode root, String field, int absent) {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      return absent;
    }
    require(v.canConvertToInt() && v.isIntegralNumber(), field, "must be an integer, got " + v);
    return v.asInt();
  }

  /** Two fields jdetr keeps as one (heads, feed-forward size): they must agree. */
  private static int same(JsonNode root, String a, String b, int absent) {
    int va = integer(root, a, absent);
    int vb = integer(root, b, absent);
    require(va == vb, b, vb + " differs from " + a + " " + va + " (jdetr's encoder and decoder share it)");
    return va;
  }

  private static void require(boolean ok, String field, String message) {
    if (!ok) {
      throw new IllegalArgumentException(field + ": " + message);
    }
  }
}
