package jdetr.model;

import com.fasterxml.jackson.annotation.JsonCreator;
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

/**
 * The DETR architecture, with the reference defaults ({@code detr:main.py get_args_parser}).
 * JSON names are the reference's argument names.
 *
 * @param backbone resnet18 | resnet34 | resnet50 | resnet101
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
 */
public record DetrConfig(
    @JsonProperty("backbone") String backbone,
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
    @JsonProperty("backbone_norm") Norm2d.Kind backboneNorm) {

  public static final List<String> BACKBONES = List.of("resnet18", "resnet34", "resnet50", "resnet101");

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
    require(backbone != null && BACKBONES.contains(backbone), "backbone",
        backbone + " is not one of " + BACKBONES);
    require(!dilation || backbone.equals("resnet50") || backbone.equals("resnet101"), "dilation",
        "dilation (DC5) needs a Bottleneck ResNet (resnet50/resnet101), not " + backbone);
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
  }

  /** The reference defaults: DETR R50 on COCO (91 classes). */
  public static DetrConfig defaults() {
    return new DetrConfig("resnet50", false, PositionEmbeddingKind.SINE, 256, 8, 6, 6, 2048, 0.1,
        100, false, true, 91, true, Norm2d.Kind.FROZEN);
  }

  /**
   * A config from a JSON object holding some of the fields (reference argument names) over the
   * defaults; an unknown field is an error naming it.
   */
  public static DetrConfig fromJson(JsonNode overrides) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode merged = json.valueToTree(defaults());
    if (overrides != null && !overrides.isNull()) {
      if (!overrides.isObject()) {
        throw new IllegalArgumentException("DETR config: expected a JSON object, got " + overrides);
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = overrides.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!merged.has(e.getKey())) {
          throw new IllegalArgumentException("DETR config: unknown field '" + e.getKey()
              + "' (known: " + String.join(", ", (Iterable<String>) merged::fieldNames) + ")");
        }
        merged.set(e.getKey(), e.getValue());
      }
    }
    try {
      return json.treeToValue(merged, DetrConfig.class);
    } catch (JsonProcessingException ex) {
      Throwable cause = ex.getCause() instanceof IllegalArgumentException ? ex.getCause() : ex;
      throw new IllegalArgumentException(cause.getMessage(), ex);
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

  /** Channels of the last backbone stage: 512 for resnet18/34, 2048 otherwise. */
  public int backboneChannels() {
    return backbone.equals("resnet18") || backbone.equals("resnet34") ? 512 : 2048;
  }

  private static void require(boolean ok, String field, String message) {
    if (!ok) {
      throw new IllegalArgumentException("DETR config " + field + ": " + message);
    }
  }

  /** Changes a few fields of a config; {@link #build} validates the result. */
  public static final class Builder {
    private String backbone;
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

    private Builder(DetrConfig c) {
      backbone = c.backbone;
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
    }

    public Builder backbone(String v) { backbone = v; return this; }
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

    public DetrConfig build() {
      return new DetrConfig(backbone, dilation, positionEmbedding, hiddenDim, nheads, encLayers,
          decLayers, dimFeedforward, dropout, numQueries, preNorm, auxLoss, numClasses,
          trainBackbone, backboneNorm);
    }
  }
}
