package jdetr.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdetr.model.Detr;
import jdetr.model.DetrConfig;
import jdetr.model.DetrConfig.PositionEmbeddingKind;

/**
 * Builds a DETR from an official PyTorch checkpoint ({@code torch.save({'model': state_dict})},
 * e.g. detr-r50-e632da11.pth). The architecture is read off the state dict's names and shapes;
 * what shapes cannot tell (the number of heads, DC5 dilation) comes from the base config.
 */
public final class OfficialCheckpoint {

  private static final Pattern ENCODER_LAYER = Pattern.compile("^transformer\\.encoder\\.layers\\.(\\d+)\\.");
  private static final Pattern DECODER_LAYER = Pattern.compile("^transformer\\.decoder\\.layers\\.(\\d+)\\.");
  private static final Pattern LAYER3_BLOCK = Pattern.compile("^backbone\\.0\\.body\\.layer3\\.(\\d+)\\.");

  private OfficialCheckpoint() {}

  /** Loads {@code pth} into a new model on {@code manager}; category names are COCO's. */
  public static ModelWeights.Loaded load(Path pth, DetrConfig base, NDManager manager)
      throws IOException {
    try (NDManager scratch = manager.newSubManager()) {
      Map<String, NDArray> state = TorchCheckpointReader.readStateDict(pth, scratch);
      DetrConfig config;
      try {
        config = inferConfig(state, base);
      } catch (IllegalArgumentException ex) {
        throw new IOException(pth + ": " + ex.getMessage(), ex);
      }
      Detr detr = Detr.create(config, manager);
      try {
        detr.loadStateDict(state, false);
      } catch (IllegalArgumentException ex) {
        throw new IOException(pth + ": " + ex.getMessage(), ex);
      }
      return new ModelWeights.Loaded(detr, cocoNames(config.numClasses()));
    }
  }

  /**
   * The architecture of a reference-named state dict: backbone depth, hidden size, feed-forward
   * size, encoder and decoder depth, queries, classes, pre-norm and learned positions. {@code nheads}
   * and {@code dilation} are taken from {@code base}.
   */
  public static DetrConfig inferConfig(Map<String, NDArray> state, DetrConfig base) {
    long[] proj = shape(state, "input_proj.weight"); // [hidden, backbone channels, 1, 1]
    long[] classes = shape(state, "class_embed.weight"); // [numClasses + 1, hidden]
    long[] queries = shape(state, "query_embed.weight"); // [Q, hidden]
    long[] ffn = shape(state, "transformer.encoder.layers.0.linear1.weight"); // [ffn, hidden]
    boolean bottleneck = state.containsKey("backbone.0.body.layer1.0.conv3.weight");
    int layer3Blocks = count(state, LAYER3_BLOCK);
    String backbone = switch (layer3Blocks * (bottleneck ? -1 : 1)) {
      case 2 -> "resnet18";
      case 6 -> "resnet34";
      case -6 -> "resnet50";
      case -23 -> "resnet101";
      default -> throw new IllegalArgumentException("unknown backbone: layer3 has " + layer3Blocks
          + (bottleneck ? " bottleneck" : " basic") + " blocks");
    };
    return base.toBuilder()
        .backbone(backbone)
        .hiddenDim(Math.toIntExact(proj[0]))
        .dimFeedforward(Math.toIntExact(ffn[0]))
        .encLayers(count(state, ENCODER_LAYER))
        .decLayers(count(state, DECODER_LAYER))
        .numQueries(Math.toIntExact(queries[0]))
        .numClasses(Math.toIntExact(classes[0] - 1))
        .preNorm(state.containsKey("transformer.encoder.norm.weight"))
        .positionEmbedding(state.containsKey("backbone.1.row_embed.weight")
            ? PositionEmbeddingKind.LEARNED : PositionEmbeddingKind.SINE)
        .build();
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
