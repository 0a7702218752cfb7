package jdetr.checkpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names the Hugging Face transformers library gives DETR's and Deformable DETR's tensors
 * ({@code DetrForObjectDetection}, {@code DetrForSegmentation}, {@code
 * DeformableDetrForObjectDetection}), and the reference state_dict names they stand for, both ways.
 * The rules are those of the transformers conversion scripts (see src/test/resources/hf/README.md):
 * the base model under {@code model.}, renamed norms ({@code self_attn_layer_norm}, {@code
 * encoder_attn_layer_norm}, {@code final_layer_norm}), feed-forward layers {@code fc1}/{@code fc2},
 * and DETR's heads as {@code class_labels_classifier} and {@code bbox_predictor}. A reference
 * {@code in_proj_weight}/{@code in_proj_bias} is three transformers tensors, {@code q_proj},
 * {@code k_proj} and {@code v_proj} (rows in that order). The ResNet is named as timm names it (the
 * torchvision names) or, in the {@code no_timm} layout, as transformers' own ResNet does. A name no
 * rule knows is an error that names it.
 */
public final class TransformersNames {

  /** How the backbone's ResNet is named. */
  public enum BackboneNames {
    /** timm's ResNet: torchvision's names ({@code layer1.0.conv1.weight}). */
    TIMM,
    /** transformers' own ResNet ({@code encoder.stages.0.layers.0.layer.0.convolution.weight}). */
    TRANSFORMERS_RESNET
  }

  /**
   * A reference name, and which third of its rows a transformers tensor holds: 0, 1, 2 for the
   * q, k, v part of an {@code in_proj} tensor, -1 for the whole tensor.
   */
  public record Official(String name, int qkvPart) {}

  private static final String HF_BACKBONE = "model.backbone.conv_encoder.model.";
  private static final String REF_BACKBONE = "backbone.0.body.";
  private static final String QKV = "qkv";
  private static final Map<String, String> SLOTS = Map.of(
      "n", "\\d+",
      "m", "\\d+",
      "w", "weight|bias",
      QKV, "[qkv]",
      "msda", "sampling_offsets|attention_weights|value_proj|output_proj",
      "two", "enc_output|enc_output_norm|pos_trans|pos_trans_norm|reference_points",
      "resnet", "conv1\\.weight|bn1\\.(?:weight|bias|running_mean|running_var|num_batches_tracked)"
          + "|layer[1-4]\\.\\d+\\.(?:conv\\d\\.weight|downsample\\.0\\.weight"
          + "|(?:bn\\d|downsample\\.1)\\.(?:weight|bias|running_mean|running_var|num_batches_tracked))",
      "segm", "bbox_attention\\.[qk]_linear\\.(?:weight|bias)"
          + "|mask_head\\.(?:lay[1-5]|gn[1-5]|out_lay|adapter[1-3])\\.(?:weight|bias)");

  private static final List<Rule> COMMON = List.of(
      new Rule("backbone.1.row_embed.weight", "model.backbone.position_embedding.row_embeddings.weight"),
      new Rule("backbone.1.col_embed.weight", "model.backbone.position_embedding.column_embeddings.weight"),
      new Rule("query_embed.weight", "model.query_position_embeddings.weight"),
      new Rule("transformer.encoder.layers.{n}.linear1.{w}", "model.encoder.layers.{n}.fc1.{w}"),
      new Rule("transformer.encoder.layers.{n}.linear2.{w}", "model.encoder.layers.{n}.fc2.{w}"),
      new Rule("transformer.encoder.layers.{n}.norm1.{w}", "model.encoder.layers.{n}.self_attn_layer_norm.{w}"),
      new Rule("transformer.encoder.layers.{n}.norm2.{w}", "model.encoder.layers.{n}.final_layer_norm.{w}"),
      new Rule("transformer.decoder.layers.{n}.self_attn.in_proj_{w}",
          "model.decoder.layers.{n}.self_attn.{qkv}_proj.{w}"),
      new Rule("transformer.decoder.layers.{n}.self_attn.out_proj.{w}",
          "model.decoder.layers.{n}.self_attn.out_proj.{w}"),
      new Rule("transformer.decoder.layers.{n}.linear1.{w}", "model.decoder.layers.{n}.fc1.{w}"),
      new Rule("transformer.decoder.layers.{n}.linear2.{w}", "model.decoder.layers.{n}.fc2.{w}"),
      new Rule("transformer.decoder.layers.{n}.norm3.{w}", "model.decoder.layers.{n}.final_layer_norm.{w}"));

  private static final List<Rule> DETR = List.of(
      new Rule("transformer.encoder.layers.{n}.self_attn.in_proj_{w}",
          "model.encoder.layers.{n}.self_attn.{qkv}_proj.{w}"),
      new Rule("transformer.encoder.layers.{n}.self_attn.out_proj.{w}",
          "model.encoder.layers.{n}.self_attn.out_proj.{w}"),
      new Rule("transformer.decoder.layers.{n}.multihead_attn.in_proj_{w}",
          "model.decoder.layers.{n}.encoder_attn.{qkv}_proj.{w}"),
      new Rule("transformer.decoder.layers.{n}.multihead_attn.out_proj.{w}",
          "model.decoder.layers.{n}.encoder_attn.out_proj.{w}"),
      new Rule("transformer.decoder.layers.{n}.norm1.{w}", "model.decoder.layers.{n}.self_attn_layer_norm.{w}"),
      new Rule("transformer.decoder.layers.{n}.norm2.{w}", "model.decoder.layers.{n}.encoder_attn_layer_norm.{w}"),
      new Rule("transformer.decoder.norm.{w}", "model.decoder.layernorm.{w}"),
      new Rule("input_proj.{w}", "model.input_projection.{w}"),
      new Rule("class_embed.{w}", "class_labels_classifier.{w}"),
      new Rule("bbox_embed.layers.{n}.{w}", "bbox_predictor.layers.{n}.{w}"));

  private static final List<Rule> DEFORMABLE = List.of(
      new Rule("transformer.level_embed", "model.level_embed"),
      new Rule("transformer.{two}.{w}", "model.{two}.{w}"),
      new Rule("transformer.encoder.layers.{n}.self_attn.{msda}.{w}",
          "model.encoder.layers.{n}.self_attn.{msda}.{w}"),
      new Rule("transformer.decoder.layers.{n}.cross_attn.{msda}.{w}",
          "model.decoder.layers.{n}.encoder_attn.{msda}.{w}"),
      new Rule("transformer.decoder.layers.{n}.norm1.{w}", "model.decoder.layers.{n}.encoder_attn_layer_norm.{w}"),
      new Rule("transformer.decoder.layers.{n}.norm2.{w}", "model.decoder.layers.{n}.self_attn_layer_norm.{w}"),
      new Rule("transformer.decoder.bbox_embed.{n}.layers.{m}.{w}",
          "model.decoder.bbox_embed.{n}.layers.{m}.{w}"),
      new Rule("transformer.decoder.class_embed.{n}.{w}", "model.decoder.class_embed.{n}.{w}"),
      new Rule("input_proj.{n}.{m}.{w}", "model.input_proj.{n}.{m}.{w}"),
      new Rule("class_embed.{n}.{w}", "class_embed.{n}.{w}"),
      new Rule("bbox_embed.{n}.layers.{m}.{w}", "bbox_embed.{n}.layers.{m}.{w}"));

  private static final Rule TIMM_BACKBONE = new Rule(REF_BACKBONE + "{resnet}", HF_BACKBONE + "{resnet}");
  private static final Rule SEGMENTATION_HEADS = new Rule("{segm}", "{segm}");
  private static final String PANOPTIC_WRAPPER = "detr.";

  private static final Pattern REF_STEM = Pattern.compile("conv1\\.weight|bn1\\.(\\w+)");
  private static final Pattern REF_BLOCK = Pattern.compile("layer([1-4])\\.(\\d+)\\.(conv|bn)([1-3])\\.(\\w+)");
  private static final Pattern REF_SHORTCUT = Pattern.compile("layer([1-4])\\.(\\d+)\\.downsample\\.([01])\\.(\\w+)");
  private static final Pattern HF_STEM = Pattern.compile("embedder\\.embedder\\.(convolution|normalization)\\.(\\w+)");
  private static final Pattern HF_BLOCK = Pattern.compile(
      "encoder\\.stages\\.([0-3])\\.layers\\.(\\d+)\\.layer\\.([0-2])\\.(convolution|normalization)\\.(\\w+)");
  private static final Pattern HF_SHORTCUT = Pattern.compile(
      "encoder\\.stages\\.([0-3])\\.layers\\.(\\d+)\\.shortcut\\.(convolution|normalization)\\.(\\w+)");
  private static final Pattern CONV_LEAF = Pattern.compile("weight");
  private static final Pattern NORM_LEAF = Pattern.compile("weight|bias|running_mean|running_var|num_batches_tracked");

  private final List<Rule> rules;
  private final boolean deformable;
  private final BackboneNames backbone;
  private final boolean panoptic;

  /**
   * @param deformable Deformable DETR's names (else DETR's)
   * @param backbone how the ResNet is named
   * @param panoptic DETR wrapped for panoptic segmentation ({@code detr.} in front of the detector's
   *     names, {@code bbox_attention.}/{@code mask_head.} as the reference names them)
   */
  public TransformersNames(boolean deformable, BackboneNames backbone, boolean panoptic) {
    if (panoptic && deformable) {
      throw new IllegalArgumentException("transformers has no panoptic Deformable DETR");
    }
    List<Rule> all = new ArrayList<>(COMMON);
    all.addAll(deformable ? DEFORMABLE : DETR);
    this.rules = List.copyOf(all);
    this.deformable = deformable;
    this.backbone = backbone;
    this.panoptic = panoptic;
  }

  /**
   * The transformers names of reference tensor {@code official}: one name, or three (q, k, v) for
   * an {@code in_proj} tensor.
   *
   * @throws IllegalArgumentException naming the tensor when transformers has no place for it
   */
  public List<String> toTransformers(String official) {
    if (panoptic && SEGMENTATION_HEADS.official.matcher(official).matches()) {
      return List.of(official);
    }
    String name = official;
    String wrapper = "";
    if (panoptic) {
      if (!official.startsWith(PANOPTIC_WRAPPER)) {
        throw new IllegalArgumentException("'" + official + "' has no transformers name (a panoptic"
            + " model's tensors are detr.*, bbox_attention.* and mask_head.*)");
      }
      name = official.substring(PANOPTIC_WRAPPER.length());
      wrapper = PANOPTIC_WRAPPER;
    }
    List<String> out = new ArrayList<>();
    if (name.startsWith(REF_BACKBONE) && backbone == BackboneNames.TRANSFORMERS_RESNET) {
      out.add(HF_BACKBONE + resnetToTransformers(name.substring(REF_BACKBONE.length()), official));
    } else {
      Rule rule = find(name, true, official);
      Matcher m = rule.official.matcher(name);
      m.matches();
      if (rule.splitsQkv()) {
        for (char part : QKV.toCharArray()) {
          out.add(rule.fill(rule.hfTemplate, m, String.valueOf(part)));
        }
      } else {
        out.add(rule.fill(rule.hfTemplate, m, null));
      }
    }
    String prefix = wrapper;
    return out.stream().map(n -> prefix + n).toList();
  }

  /**
   * The reference name of transformers tensor {@code hf}, and which q/k/v part it holds.
   *
   * @throws IllegalArgumentException naming the tensor when no rule knows it
   */
  public Official toOfficial(String hf) {
    if (panoptic && SEGMENTATION_HEADS.hf.matcher(hf).matches()) {
      return new Official(hf, -1);
    }
    String name = hf;
    String wrapper = "";
    if (panoptic) {
      if (!hf.startsWith(PANOPTIC_WRAPPER)) {
        throw new IllegalArgumentException("unknown tensor '" + hf + "' (a DetrForSegmentation"
            + " model's tensors are detr.*, bbox_attention.* and mask_head.*)");
      }
      name = hf.substring(PANOPTIC_WRAPPER.length());
      wrapper = PANOPTIC_WRAPPER;
    }
    if (name.startsWith(HF_BACKBONE) && backbone == BackboneNames.TRANSFORMERS_RESNET) {
      return new Official(wrapper + REF_BACKBONE + resnetToOfficial(name.substring(HF_BACKBONE.length()), hf), -1);
    }
    Rule rule = find(name, false, hf);
    Matcher m = rule.hf.matcher(name);
    m.matches();
    int part = rule.splitsQkv() ? QKV.indexOf(m.group(QKV)) : -1;
    return new Official(wrapper + rule.fill(rule.officialTemplate, m, null), part);
  }

  private Rule find(String name, boolean fromOfficial, String shown) {
    List<Rule> candidates = new ArrayList<>(rules);
    if (backbone == BackboneNames.TIMM) {
      candidates.add(TIMM_BACKBONE);
    }
    for (Rule r : candidates) {
      if ((fromOfficial ? r.official : r.hf).matcher(name).matches()) {
        return r;
      }
    }
    throw new IllegalArgumentException(fromOfficial
        ? "'" + shown + "' has no transformers name"
        : "unknown tensor '" + shown + "': no " + (deformable ? "Deformable DETR" : "DETR")
            + " name of the transformers layout (" + backbone.name().toLowerCase(Locale.ROOT)
            + " backbone names)");
  }

  /** torchvision ResNet name (after {@code backbone.0.body.}) -> transformers ResNet name. */
  private static String resnetToTransformers(String rest, String shown) {
    Matcher m = REF_STEM.matcher(rest);
    if (m.matches()) {
      return m.group(1) == null ? "embedder.embedder.convolution.weight"
          : "embedder.embedder.normalization." + leaf(m.group(1), NORM_LEAF, shown);
    }
    m = REF_BLOCK.matcher(rest);
    if (m.matches()) {
      boolean conv = m.group(3).equals("conv");
      return "encoder.stages." + (Integer.parseInt(m.group(1)) - 1) + ".layers." + m.group(2)
          + ".layer." + (Integer.parseInt(m.group(4)) - 1) + (conv ? ".convolution." : ".normalization.")
          + leaf(m.group(5), conv ? CONV_LEAF : NORM_LEAF, shown);
    }
    m = REF_SHORTCUT.matcher(rest);
    if (m.matches()) {
      boolean conv = m.group(3).equals("0");
      return "encoder.stages." + (Integer.parseInt(m.group(1)) - 1) + ".layers." + m.group(2)
          + ".shortcut." + (conv ? "convolution." : "normalization.")
          + leaf(m.group(4), conv ? CONV_LEAF : NORM_LEAF, shown);
    }
    throw new IllegalArgumentException("'" + shown + "' has no transformers name");
  }

  /** transformers ResNet name (after {@code model.backbone.conv_encoder.model.}) -> torchvision name. */
  private static String resnetToOfficial(String rest, String shown) {
    Matcher m = HF_STEM.matcher(rest);
    if (m.matches()) {
      boolean conv = m.group(1).equals("convolution");
      String leaf = leaf(m.group(2), conv ? CONV_LEAF : NORM_LEAF, shown);
      return conv ? "conv1.weight" : "bn1." + leaf;
    }
    m = HF_BLOCK.matcher(rest);
    if (m.matches()) {
      boolean conv = m.group(4).equals("convolution");
      return "layer" + (Integer.parseInt(m.group(1)) + 1) + "." + m.group(2) + "."
          + (conv ? "conv" : "bn") + (Integer.parseInt(m.group(3)) + 1) + "."
          + leaf(m.group(5), conv ? CONV_LEAF : NORM_LEAF, shown);
    }
    m = HF_SHORTCUT.matcher(rest);
    if (m.matches()) {
      boolean conv = m.group(3).equals("convolution");
      return "layer" + (Integer.parseInt(m.group(1)) + 1) + "." + m.group(2) + ".downsample."
          + (conv ? "0." : "1.") + leaf(m.group(4), conv ? CONV_LEAF : NORM_LEAF, shown);
    }
    throw new IllegalArgumentException("unknown tensor '" + shown + "': not a name of the"
        + " transformers ResNet backbone");
  }

  private static String leaf(String leaf, Pattern allowed, String shown) {
    if (!allowed.matcher(leaf).matches()) {
      throw new IllegalArgumentException("unknown tensor '" + shown + "'");
    }
    return leaf;
  }

  /**
   * One naming rule: a reference template and a transformers template whose {@code {slot}}s
   * (see {@link #SLOTS}) carry the same values across; {@code {qkv}}, on the transformers side
   * only, splits an {@code in_proj} tensor in three.
   */
  private static final class Rule {
    private static final Pattern SLOT = Pattern.compile("\\{(\\w+)}");
    final String officialTemplate;
    final String hfTemplate;
    final Pattern official;
    final Pattern hf;

    Rule(String officialTemplate, String hfTemplate) {
      this.officialTemplate = officialTemplate;
      this.hfTemplate = hfTemplate;
      this.official = compile(officialTemplate);
      this.hf = compile(hfTemplate);
    }

    boolean splitsQkv() {
      return hfTemplate.contains("{" + QKV + "}");
    }

    private static Pattern compile(String template) {
      StringBuilder regex = new StringBuilder();
      Matcher m = SLOT.matcher(template);
      int last = 0;
      while (m.find()) {
        regex.append(Pattern.quote(template.substring(last, m.start())));
        regex.append("(?<").append(m.group(1)).append(">").append(SLOTS.get(m.group(1))).append(")");
        last = m.end();
      }
      regex.append(Pattern.quote(template.substring(last)));
      return Pattern.compile(regex.toString());
    }

    /** {@code template} with each slot replaced by its value in {@code matched}; qkv by {@code part}. */
    String fill(String template, Matcher matched, String part) {
      Matcher m = SLOT.matcher(template);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        String value = m.group(1).equals(QKV) ? part : matched.group(m.group(1));
        m.appendReplacement(out, Matcher.quoteReplacement(value));
      }
      m.appendTail(out);
      return out.toString();
    }
  }
}
