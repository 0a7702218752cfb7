package jdetr.train;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import jdetr.checkpoint.DetrWeights;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.StateDict;

/**
 * The weights a run starts from (the recipe's {@code weights}): an official PyTorch checkpoint
 * ({@code torch.save({'model': state_dict})}) or a jdetr weights directory, read by
 * {@link DetrWeights}.
 *
 * <p>Fine-tuning rule: the checkpoint decides every shape (backbone, widths, depths, queries,
 * pre-norm, position embedding; for a {@code .pth} they are read off the state dict), so a recipe
 * whose model section says otherwise is overridden and {@link Architecture#changes()} names each
 * changed key. The class count stays the dataset's (or the recipe's): when it differs from the
 * checkpoint's, the class head is re-initialised as the reference's {@code nn.Linear} would be and
 * every other tensor is loaded as saved. What a {@code .pth} cannot tell ({@code nheads},
 * {@code dilation}, {@code backbone_norm}) comes from the recipe; a value that does not fit the checkpoint is an error
 * naming the key. A jdetr weights directory records its whole config, so there the checkpoint
 * also decides {@code nheads}, {@code dilation} and {@code backbone_norm}.
 */
public final class InitialWeights implements AutoCloseable {

  /** The model to build, and the recipe keys the checkpoint changed ({@code "key a -> b"}). */
  public record Architecture(DetrConfig config, List<String> changes) {
    public Architecture {
      changes = List.copyOf(changes);
    }
  }

  private final DetrWeights weights;

  private InitialWeights(DetrWeights weights) {
    this.weights = weights;
  }

  /**
   * Reads {@code weights} into a sub-manager of {@code manager} (released by {@link #close}).
   *
   * @param recipe the recipe's model, for what an official checkpoint does not record
   */
  public static InitialWeights read(Path weights, DetrConfig recipe, NDManager manager)
      throws IOException {
    return new InitialWeights(DetrWeights.read(weights, recipe, manager));
  }

  /** The checkpoint's own architecture (its class count included). */
  public DetrConfig saved() {
    return weights.config();
  }

  /**
   * The model a run builds: {@code recipe} with every shape taken from the checkpoint.
   *
   * @throws IOException naming the weights and the recipe key when the result is not a valid model
   */
  public Architecture architecture(DetrConfig recipe) throws IOException {
    DetrConfig.Builder b = recipe.toBuilder();
    List<String> changes = new ArrayList<>();
    take(changes, "backbone", recipe, DetrConfig::backbone, b::backbone);
    take(changes, "hidden_dim", recipe, DetrConfig::hiddenDim, b::hiddenDim);
    take(changes, "dim_feedforward", recipe, DetrConfig::dimFeedforward, b::dimFeedforward);
    take(changes, "enc_layers", recipe, DetrConfig::encLayers, b::encLayers);
    take(changes, "dec_layers", recipe, DetrConfig::decLayers, b::decLayers);
    take(changes, "num_queries", recipe, DetrConfig::numQueries, b::numQueries);
    take(changes, "pre_norm", recipe, DetrConfig::preNorm, b::preNorm);
    take(changes, "position_embedding", recipe, c -> c.positionEmbedding().jsonName(),
        v -> b.positionEmbedding(DetrConfig.PositionEmbeddingKind.parse(v)));
    if (!weights.official()) {
      take(changes, "nheads", recipe, DetrConfig::nheads, b::nheads);
      take(changes, "dilation", recipe, DetrConfig::dilation, b::dilation);
      take(changes, "backbone_norm", recipe, c -> c.backboneNorm().jsonName(),
          v -> b.backboneNorm(saved().backboneNorm()));
    }
    try {
      return new Architecture(b.build(), changes);
    } catch (IllegalArgumentException e) {
      throw new IOException(weights.source() + ": the checkpoint's architecture ("
          + String.join(", ", changes) + ") does not fit the recipe's model: " + e.getMessage()
          + " (set model." + fieldOf(e.getMessage()) + " to fit the checkpoint)", e);
    }
  }

  /**
   * Copies the weights into {@code detr}; the class head is re-initialised when the class counts
   * differ.
   *
   * @throws IOException naming the weights and every key that does not fit
   */
  public StateDict.LoadReport loadInto(DetectionTransformer detr) throws IOException {
    return weights.loadInto(detr, true);
  }

  /** One line for the run's log: what was loaded, what was re-initialised. */
  public String describe(StateDict.LoadReport report, DetrConfig model) {
    String kind = weights.official() ? "official checkpoint" : "weights directory";
    return "weights " + weights.source() + " (" + kind + ", " + weights.tensorCount() + " tensors) loaded"
        + (report.headReset() ? "; class head re-initialised for " + model.numClasses()
            + " classes (the checkpoint has " + saved().numClasses() + ")" : "")
        + (report.freshKeys().isEmpty() ? "" : "; segmentation head initialised fresh ("
            + report.freshKeys().size() + " tensors: bbox_attention.*, mask_head.*)");
  }

  @Override
  public void close() {
    weights.close();
  }

  private <T> void take(List<String> changes, String key, DetrConfig recipe,
      Function<DetrConfig, T> field, Consumer<T> set) {
    T wanted = field.apply(recipe);
    T have = field.apply(saved());
    if (!Objects.equals(wanted, have)) {
      changes.add(key + " " + wanted + " -> " + have);
      set.accept(have);
    }
  }

  /** The config key a {@link DetrConfig} validation message names ("DETR config nheads: …"). */
  private static String fieldOf(String message) {
    String prefix = "DETR config ";
    if (message != null && message.startsWith(prefix)) {
      int colon = message.indexOf(':', prefix.length());
      if (colon > 0) {
        return message.substring(prefix.length(), colon);
      }
    }
    return "…";
  }
}
