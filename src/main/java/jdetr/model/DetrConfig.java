package jdetr.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdetr.loss.ClassLoss;

/**
 * The DETR or Deformable DETR architecture, with the reference defaults of each
 * ({@code detr:main.py} and {@code Deformable-DETR:main.py get_args_parser}). JSON names are the
 * reference's argument names; {@code architecture} selects the model and the defaults.
 *
 * @param architecture detr | deformable_detr
 * @param backbone resnet18 | resnet34 | resnet50 | resnet101
 * @param backboneStages the ResNet stages built and run, layer1..layerN: 4 as the reference; 3
 *     leaves out layer4 (3/4 of a ResNet-18's parameters), whose stride-32 level Deformable DETR
 *     then takes from its extra stride-2 projection, and DETR reads layer3 (stride 16)
 * @param dilation DC5: dilate the last ResNet stage instead of striding it
 * @param positionEmbedding sine | learned
 * @param hiddenDim transformer width
 * @param nheads attention heads
 * @param encLayers encoder layers
 * @param decLayers decoder layers
 * @param dimFeedforward FFN width
 * @param dropout dropout of attention weights and of every residual branch (training only)
 * @param numQueries object queries
 * @param preNorm LayerNorm before attention/FFN (and a final encoder norm) instead of after
 * @param auxLoss supervise every decoder layer (the outputs always hold every layer)
 * @param numClasses max category id + 1; the class head has numClasses + 1 outputs (no-object)
 * @param trainBackbone layer2-4 of the backbone are trainable (the reference's lr_backbone > 0)
 * @param backboneNorm {@code frozen}: FrozenBatchNorm2d as the reference (for pretrained
 *     backbones); {@code batch}: trained BatchNorm2d and every backbone layer trains (for a
 *     backbone trained from scratch, as no ImageNet weights can be had here)
 * @param deformable Deformable DETR's options; null for DETR
 * @param masks segmentation: DETR wrapped in DETRsegm (mask head over backbone layers 1-3, which the
 *     backbone then returns too; the reference's {@code --masks}); DETR only
 */
public record DetrConfig(
    @JsonProperty("architecture") Architecture architecture,
    @JsonProperty("backbone") String backbone,
    @JsonProperty("backbone_stages") int backboneStages,
    @JsonProperty("dilation") boolean dilation,
    @JsonProperty("position_embedding") PositionEmbeddingKind positionEmbedding,
    @JsonProperty("hidden_dim") int hiddenDim,
    @JsonProperty("nheads") int nheads,
    @JsonProperty("enc_layers") int encLayers,
    @JsonProperty("dec_layers") int decLayers,
    @JsonProperty("dim_feedforward") int dimFeedforward,
    @JsonProperty("dropout") double dropout,
    @JsonProperty("num_queries") int numQueries,
    @JsonProperty("pre_norm") boolean preNorm,
    @JsonProperty("aux_loss") boolean auxLoss,
    @JsonProperty("num_classes") int numClasses,
    @JsonProperty("train_backbone") boolean trainBackbone,
    @JsonProperty("backbone_norm") Norm2d.Kind backboneNorm,
    @JsonProperty("deformable") @JsonInclude(JsonInclude.Include.NON_NULL)
    DeformableOptions deformable,
    @JsonProperty("masks") boolean masks) {

  public static final List<String> BACKBONES = List.of("resnet18", "resnet34", "resnet50", "resnet101");

  /** DETR (the default) or Deformable DETR. */
  public enum Architecture {
    DETR, DEFORMABLE_DETR;

    @JsonValue
    public String jsonName() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Architecture parse(String s) {
      return switch (s.toLowerCase(Locale.ROOT).replace('-', '_')) {
        case "detr" -> DETR;
        case "deformable_detr", "deformable" -> DEFORMABLE_DETR;
        default -> throw new IllegalArgumentException(
            "architecture: '" + s + "' is not one of detr, deformable_detr");
      };
    }
  }

  /** Sine (the default) or learned absolute positions. */
  public enum PositionEmbeddingKind {
    SINE, LEARNED;

    @JsonValue
    public String jsonName() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static PositionEmbeddingKind parse(String s) {
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "sine", "v2" -> SINE;
        case "learned", "v3" -> LEARNED;
        default -> throw new IllegalArgumentException(
            "position_embedding: '" + s + "' is not one of sine, learned");
      };
    }
  }

  public DetrConfig {
    if (architecture == null) { // configs stored before Deformable DETR existed
      architecture = deformable != null ? Architecture.DEFORMABLE_DETR : Architecture.DETR;
    }
    require((architecture == Architecture.DEFORMABLE_DETR) == (deformable != null), "deformable",
        architecture == Architecture.DETR
            ? "Deformable DETR options given for architecture detr"
            : "options missing for architecture deformable_detr");
    require(deformable == null || !preNorm, "pre_norm", "Deformable DETR has post-norm layers only");
    require(deformable == null || hiddenDim % 32 == 0, "hidden_dim",
        "Deformable DETR's input projections use GroupNorm(32): " + hiddenDim
            + " is not a multiple of 32");
    require(backbone != null && BACKBONES.contains(backbone), "backbone",
        backbone + " is not one of " + BACKBONES);
    require(!dilation || backbone.equals("resnet50") || backbone.equals("resnet101"), "dilation",
        "dilation (DC5) needs a Bottleneck ResNet (resnet50/resnet101), not " + backbone);
    if (backboneStages == 0) {
      backboneStages = 4; // configs written before the option existed
    }
    require(backboneStages >= 2 && backboneStages <= 4, "backbone_stages",
        "must be 2, 3 or 4, got " + backboneStages);
    require(!dilation || backboneStages == 4, "dilation",
        "dilation (DC5) dilates layer4, which backbone_stages " + backboneStages + " leaves out");
    require(positionEmbedding != null, "position_embedding", "missing");
    require(hiddenDim > 0 && hiddenDim % 2 == 0, "hidden_dim", hiddenDim + " must be even and > 0");
    require(nheads > 0 && hiddenDim % nheads == 0, "nheads",
        "hidden_dim " + hiddenDim + " is not divisible by nheads " + nheads);
    require(encLayers >= 0, "enc_layers", "must be >= 0, got " + encLayers);
    require(decLayers >= 1, "dec_layers", "must be >= 1, got " + decLayers);
    require(dimFeedforward > 0, "dim_feedforward", "must be > 0, got " + dimFeedforward);
    require(dropout >= 0 && dropout < 1, "dropout", "must be in [0, 1), got " + dropout);
    require(numQueries > 0, "num_queries", "must be > 0, got " + numQueries);
    require(numClasses > 0, "num_classes", "must be > 0, got " + numClasses);
    if (backboneNorm == null) {
      backboneNorm = Norm2d.Kind.FROZEN; // configs written before the option existed
    }
    require(!masks || deformable == null, "masks",
        "segmentation (DETRsegm) is DETR only, as in the reference: Deformable DETR has no mask head");
    require(!masks || backboneStages == 4, "masks",
        "the mask head reads layer1-3 beside layer4: backbone_stages must be 4, got " + backboneStages);
    require(!masks || ((hiddenDim + nheads) % 8 == 0 && (hiddenDim / 16) % 8 == 0
        && (hiddenDim / 2) % 8 == 0 && (hiddenDim / 4) % 8 == 0 && (hiddenDim / 8) % 8 == 0),
        "masks", "the mask head's GroupNorm(8) needs hidden_dim + nheads and hidden_dim / 2, / 4,"
            + " / 8, / 16 divisible by 8, got hidden_dim " + hiddenDim + ", nheads " + nheads);
  }

  /** DETR's backbone stages returned to the model: 1..4 with masks, else the last only. */
  public List<Integer> returnedStages() {
    return masks ? List.of(1, 2, 3, 4) : List.of(backboneStages);
  }

  /** The reference defaults: DETR R50 on COCO (91 classes). */
  public static DetrConfig defaults() {
    return new DetrConfig(Architecture.DETR, "resnet50", 4, false, PositionEmbeddingKind.SINE, 256,
        8, 6, 6, 2048, 0.1, 100, false, true, 91, true, Norm2d.Kind.FROZEN, null, false);
  }

  /**
   * The reference defaults of an architecture: DETR R50, or Deformable DETR R50 (FFN 1024, 300
   * queries, 4 levels, 4 points, 91 classes).
   */
  public static DetrConfig defaults(Architecture architecture) {
    return switch (architecture) {
      case DETR -> defaults();
      case DEFORMABLE_DETR -> new DetrConfig(Architecture.DEFORMABLE_DETR, "resnet50", 4, false,
          PositionEmbeddingKind.SINE, 256, 8, 6, 6, 1024, 0.1, 300, false, true, 91, true,
          Norm2d.Kind.FROZEN, DeformableOptions.defaults(), false);
    };
  }

  /** Deformable DETR (sigmoid focal class head over C classes), not DETR (softmax over C + 1). */
  public boolean isDeformable() {
    return architecture == Architecture.DEFORMABLE_DETR;
  }

  /** How the class head is trained, matched and read: DETR softmax, Deformable DETR focal. */
  public ClassLoss classLoss() {
    return isDeformable() ? ClassLoss.SIGMOID_FOCAL : ClassLoss.SOFTMAX_CE;
  }

  /** Outputs of the class head: C + 1 with DETR's no-object class, C for Deformable DETR. */
  public int classLogits() {
    return isDeformable() ? numClasses : numClasses + 1;
  }

  /**
   * A config from a JSON object holding some of the fields (reference argument names) over the
   * defaults of its {@code architecture} (DETR when absent); an unknown field is an error naming it.
   */
  public static DetrConfig fromJson(JsonNode overrides) {
    ObjectMapper json = new ObjectMapper();
    if (overrides != null && !overrides.isNull() && !overrides.isObject()) {
      throw new IllegalArgumentException("DETR config: expected a JSON object, got " + overrides);
    }
    Architecture architecture = architectureOf(overrides);
    ObjectNode merged = json.valueToTree(defaults(architecture));
    if (overrides != null && !overrides.isNull()) {
      merge(merged, overrides, "");
    }
    try {
      return json.treeToValue(merged, DetrConfig.class);
    } catch (JsonProcessingException ex) {
      Throwable cause = ex.getCause() instanceof IllegalArgumentException ? ex.getCause() : ex;
      throw new IllegalArgumentException(cause.getMessage(), ex);
    }
  }

  /** The {@code architecture} named in a JSON config object; DETR when absent. */
  public static Architecture architectureOf(JsonNode config) {
    JsonNode a = config == null ? null : config.get("architecture");
    if (a == null || a.isNull()) {
      return Architecture.DETR;
    }
    try {
      return Architecture.parse(a.asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("DETR config " + e.getMessage(), e);
    }
  }

  private static void merge(ObjectNode into, JsonNode from, String prefix) {
    for (Iterator<Map.Entry<String, JsonNode>> it = from.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode current = into.get(e.getKey());
      if (current == null) {
        String hint = e.getKey().equals("deformable")
            ? " (Deformable DETR options need \"architecture\": \"deformable_detr\")" : "";
        throw new IllegalArgumentException("DETR config: unknown field '" + prefix + e.getKey()
            + "'" + hint + " (known: " + String.join(", ", (Iterable<String>) into::fieldNames)
            + ")");
      }
      if (current.isObject() && e.getValue().isObject()) {
        merge((ObjectNode) current, e.getValue(), prefix + e.getKey() + ".");
      } else {
        into.set(e.getKey(), e.getValue());
      }
    }
  }

  /** This config as a JSON object with the reference argument names. */
  public ObjectNode toJson() {
    return new ObjectMapper().valueToTree(this);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  public static Builder builder() {
    return new Builder(defaults());
  }

  /** A builder starting from the defaults of {@code architecture}. */
  public static Builder builder(Architecture architecture) {
    return new Builder(defaults(architecture));
  }

  /** Channels of the last backbone stage (stage 4: 512 for resnet18/34, 2048 otherwise). */
  public int backboneChannels() {
    int basic = 64 << (backboneStages - 1);
    return backbone.equals("resnet18") || backbone.equals("resnet34") ? basic : 4 * basic;
  }

  private static void require(boolean ok, String field, String message) {
    if (!ok) {
      throw new IllegalArgumentException("DETR config " + field + ": " + message);
    }
  }

  /** Changes a few fields of a config; {@link #build} validates the result. */
  public static final class Builder {
    private Architecture architecture;
    private String backbone;
    private int backboneStages;
    private boolean dilation;
    private PositionEmbeddingKind positionEmbedding;
    private int hiddenDim;
    private int nheads;
    private int encLayers;
    private int decLayers;
    private int dimFeedforward;
    private double dropout;
    private int numQueries;
    private boolean preNorm;
    private boolean auxLoss;
    private int numClasses;
    private boolean trainBackbone;
    private Norm2d.Kind backboneNorm;
    private DeformableOptions deformable;
    private boolean masks;

    private Builder(DetrConfig c) {
      architecture = c.architecture;
      backbone = c.backbone;
      backboneStages = c.backboneStages;
      dilation = c.dilation;
      positionEmbedding = c.positionEmbedding;
      hiddenDim = c.hiddenDim;
      nheads = c.nheads;
      encLayers = c.encLayers;
      decLayers = c.decLayers;
      dimFeedforward = c.dimFeedforward;
      dropout = c.dropout;
      numQueries = c.numQueries;
      preNorm = c.preNorm;
      auxLoss = c.auxLoss;
      numClasses = c.numClasses;
      trainBackbone = c.trainBackbone;
      backboneNorm = c.backboneNorm;
      deformable = c.deformable;
      masks = c.masks;
    }

    public Builder backbone(String v) { backbone = v; return this; }
    public Builder backboneStages(int v) { backboneStages = v; return this; }
    public Builder dilation(boolean v) { dilation = v; return this; }
    public Builder positionEmbedding(PositionEmbeddingKind v) { positionEmbedding = v; return this; }
    public Builder hiddenDim(int v) { hiddenDim = v; return this; }
    public Builder nheads(int v) { nheads = v; return this; }
    public Builder encLayers(int v) { encLayers = v; return this; }
    public Builder decLayers(int v) { decLayers = v; return this; }
    public Builder dimFeedforward(int v) { dimFeedforward = v; return this; }
    public Builder dropout(double v) { dropout = v; return this; }
    public Builder numQueries(int v) { numQueries = v; return this; }
    public Builder preNorm(boolean v) { preNorm = v; return this; }
    public Builder auxLoss(boolean v) { auxLoss = v; return this; }
    public Builder numClasses(int v) { numClasses = v; return this; }
    public Builder trainBackbone(boolean v) { trainBackbone = v; return this; }
    public Builder backboneNorm(Norm2d.Kind v) { backboneNorm = v; return this; }
    public Builder deformable(DeformableOptions v) { deformable = v; return this; }
    public Builder masks(boolean v) { masks = v; return this; }

    public DetrConfig build() {
      return new DetrConfig(architecture, backbone, backboneStages, dilation, positionEmbedding,
          hiddenDim, nheads, encLayers, decLayers, dimFeedforward, dropout, numQueries, preNorm,
          auxLoss, numClasses, trainBackbone, backboneNorm, deformable, masks);
    }
  }
}
