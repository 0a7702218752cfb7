package jdetr.checkpoint;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdetr.model.DeformableOptions;
import jdetr.model.DetrConfig;
import jdetr.model.DetrConfig.PositionEmbeddingKind;
import jdetr.model.segmentation.SegmentationWeights;

/**
 * The architecture of an official PyTorch checkpoint ({@code torch.save({'model': state_dict,
 * ...})}, e.g. detr-r50-e632da11.pth or r50_deformable_detr-checkpoint.pth; loaded by
 * {@link DetrWeights}), read off the state dict's names and shapes; what shapes cannot tell (the number
 * of heads, DC5 dilation; a two-stage model's query count) comes from the base config (for a
 * Deformable DETR checkpoint and a DETR base, from Deformable DETR's defaults with the base's heads
 * and dilation).
 */
public final class OfficialCheckpoint {

  private static final Pattern ENCODER_LAYER = Pattern.compile("^transformer\\.encoder\\.layers\\.(\\d+)\\.");
  private static final Pattern DECODER_LAYER = Pattern.compile("^transformer\\.decoder\\.layers\\.(\\d+)\\.");
  private static final Pattern DECODER_BOX_HEAD =
      Pattern.compile("^transformer\\.decoder\\.bbox_embed\\.(\\d+)\\.");
  private static final Pattern LAYER3_BLOCK = Pattern.compile("^backbone\\.0\\.body\\.layer3\\.(\\d+)\\.");

  private OfficialCheckpoint() {}

  /**
   * The architecture of a reference-named state dict: backbone depth, hidden size, feed-forward
   * size, encoder and decoder depth, queries, classes, pre-norm and learned positions. {@code nheads}
   * and {@code dilation} are taken from {@code base}; {@code masks} is on when the state dict
   * holds DETRsegm's head ({@code bbox_attention.…}, {@code mask_head.…}, the {@code detr.} prefix
   * already removed by {@link SegmentationWeights#unwrap}).
   */
  public static DetrConfig inferConfig(Map<String, NDArray> state, DetrConfig base) {
    if (state.containsKey("transformer.level_embed")) {
      return inferDeformableConfig(state, base);
    }
    long[] proj = shape(state, "input_proj.weight"); // [hidden, backbone channels, 1, 1]
    long[] classes = shape(state, "class_embed.weight"); // [numClasses + 1, hidden]
    long[] queries = shape(state, "query_embed.weight"); // [Q, hidden]
    long[] ffn = shape(state, "transformer.encoder.layers.0.linear1.weight"); // [ffn, hidden]
    return base.toBuilder()
        .backbone(backbone(state))
        .hiddenDim(Math.toIntExact(proj[0]))
        .dimFeedforward(Math.toIntExact(ffn[0]))
        .encLayers(count(state, ENCODER_LAYER))
        .decLayers(count(state, DECODER_LAYER))
        .numQueries(Math.toIntExact(queries[0]))
        .numClasses(Math.toIntExact(classes[0] - 1))
        .preNorm(state.containsKey("transformer.encoder.norm.weight"))
        .positionEmbedding(state.containsKey("backbone.1.row_embed.weight")
            ? PositionEmbeddingKind.LEARNED : PositionEmbeddingKind.SINE)
        .masks(SegmentationWeights.hasHead(state))
        .build();
  }

  /**
   * A Deformable DETR state dict's architecture: backbone, hidden size and feature levels (the
   * level embedding), feed-forward size, depths, sampling points per level (the attention weights
   * divided by heads x levels), queries, classes, box refinement (box heads listed in the decoder),
   * two-stage (the proposal projection), learned positions.
   */
  static DetrConfig inferDeformableConfig(Map<String, NDArray> state, DetrConfig base) {
    DetrConfig start = base.isDeformable() ? base
        : DetrConfig.builder(DetrConfig.Architecture.DEFORMABLE_DETR).nheads(base.nheads())
            .dilation(base.dilation()).trainBackbone(base.trainBackbone()).build();
    long[] level = shape(state, "transformer.level_embed"); // [levels, hidden]
    int levels = Math.toIntExact(level[0]);
    int hidden = Math.toIntExact(level[1]);
    int heads = start.nheads();
    int encLayers = count(state, ENCODER_LAYER);
    int decLayers = count(state, DECODER_LAYER);
    int encPoints = encLayers == 0 ? start.deformable().encNPoints()
        : points(state, "transformer.encoder.layers.0.self_attn", heads, levels);
    int decPoints = points(state, "transformer.decoder.layers.0.cross_attn", heads, levels);
    boolean twoStage = state.containsKey("transformer.enc_output.weight");
    boolean refine = count(state, DECODER_BOX_HEAD) > 0;
    long[] classes = shape(state, "class_embed.0.weight"); // [numClasses, hidden]
    int queries = twoStage ? start.numQueries()
        : Math.toIntExact(shape(state, "query_embed.weight")[0]); // [Q, 2 * hidden]
    return start.toBuilder()
        .backbone(backbone(state))
        .hiddenDim(hidden)
        .dimFeedforward(Math.toIntExact(
            shape(state, "transformer.decoder.layers.0.linear1.weight")[0]))
        .encLayers(encLayers)
        .decLayers(decLayers)
        .numQueries(queries)
        .numClasses(Math.toIntExact(classes[0]))
        .positionEmbedding(state.containsKey("backbone.1.row_embed.weight")
            ? PositionEmbeddingKind.LEARNED : PositionEmbeddingKind.SINE)
        .deformable(new DeformableOptions(levels, encPoints, decPoints, refine, twoStage))
        .build();
  }

  /** Sampling points per head and level of an MSDeformAttn: attention rows / (heads x levels). */
  private static int points(Map<String, NDArray> state, String attn, int heads, int levels) {
    long rows = shape(state, attn + ".attention_weights.weight")[0]; // [heads * levels * points, C]
    if (rows % ((long) heads * levels) != 0) {
      throw new IllegalArgumentException(attn + ".attention_weights has " + rows + " rows, not a"
          + " multiple of " + heads + " heads x " + levels + " levels (is nheads right?)");
    }
    return Math.toIntExact(rows / ((long) heads * levels));
  }

  private static String backbone(Map<String, NDArray> state) {
    boolean bottleneck = state.containsKey("backbone.0.body.layer1.0.conv3.weight");
    int layer3Blocks = count(state, LAYER3_BLOCK);
    return switch (layer3Blocks * (bottleneck ? -1 : 1)) {
      case 2 -> "resnet18";
      case 6 -> "resnet34";
      case -6 -> "resnet50";
      case -23 -> "resnet101";
      default -> throw new IllegalArgumentException("unknown backbone: layer3 has " + layer3Blocks
          + (bottleneck ? " bottleneck" : " basic") + " blocks");
    };
  }

  /** COCO 2017's category names by id, for the ids below {@code numClasses}. */
  public static SortedMap<Integer, String> cocoNames(int numClasses) throws IOException {
    try (InputStream in = OfficialCheckpoint.class.getResourceAsStream("/jdetr/coco-categories.json")) {
      Map<Integer, String> all = new ObjectMapper().readValue(in, new TypeReference<Map<Integer, String>>() {});
      SortedMap<Integer, String> names = new TreeMap<>(all);
      names.keySet().removeIf(Predicate.not(id -> id < numClasses));
      return names;
    }
  }

  private static long[] shape(Map<String, NDArray> state, String key) {
    NDArray a = state.get(key);
    if (a == null) {
      throw new IllegalArgumentException("not a DETR state dict: no '" + key + "'");
    }
    return a.getShape().getShape();
  }

  private static int count(Map<String, NDArray> state, Pattern indexed) {
    int max = -1;
    for (String key : state.keySet()) {
      Matcher m = indexed.matcher(key);
      if (m.find()) {
        max = Math.max(max, Integer.parseInt(m.group(1)));
      }
    }
    return max + 1;
  }
}
