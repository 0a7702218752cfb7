package jdetr.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import jdetr.data.transforms.AugmentationConfig;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.ModelBuilder;
import jdetr.model.StateDict;
import jdetr.model.segmentation.SegmentationWeights;

/**
 * Weights read from any source, and what they say about themselves: an official PyTorch
 * checkpoint ({@code torch.save({'model': state_dict})}, read by the safe reader; the architecture
 * is read off the tensors, the names are COCO's), a jdetr weights directory ({@code
 * model.safetensors} + {@code model.json}, checked against its digest; a training checkpoint also
 * records in {@code state.json} the val size its run evaluated at) or a Hugging Face transformers
 * directory ({@code config.json} + {@code model.safetensors} or {@code pytorch_model.bin}, see
 * {@link TransformersWeights}). The tensors, under the reference names, stay on a sub-manager
 * until {@link #close}.
 */
public final class DetrWeights implements AutoCloseable {

  /** The file of a training checkpoint that holds its run's recipe. */
  public static final String TRAINING_STATE = "state.json";

  /** A model built from weights, with its category names. */
  public record Loaded(DetectionTransformer detr, SortedMap<Integer, String> categories) {}

  /** The val resize a training run evaluated at: short side {@code size}, longest side {@code maxSize}. */
  public record ValSize(int size, int maxSize) {}

  /** Where weights come from. */
  public enum Format {
    /** an official PyTorch checkpoint (.pth) */
    OFFICIAL,
    /** a jdetr weights directory */
    JDETR,
    /** a Hugging Face transformers directory */
    TRANSFORMERS
  }

  private final Path source;
  private final Format format;
  private final Path tensorFile;
  private final NDManager arrays;
  private final Map<String, NDArray> state;
  private final DetrConfig config;
  private final SortedMap<Integer, String> categories;

  private DetrWeights(Path source, Format format, Path tensorFile, NDManager arrays,
      Map<String, NDArray> state, DetrConfig config, SortedMap<Integer, String> categories) {
    this.source = source;
    this.format = format;
    this.tensorFile = tensorFile;
    this.arrays = arrays;
    this.state = state;
    this.config = config;
    this.categories = categories;
  }

  /**
   * Reads {@code weights} (a directory: jdetr weights, or transformers weights when it holds a
   * {@code config.json} and no {@code model.json}; a file: an official checkpoint) into a
   * sub-manager of {@code manager}.
   *
   * @param pthBase for an official checkpoint, what its tensors do not tell ({@code nheads},
   *     {@code dilation}, {@code backbone_norm}, a two-stage model's queries); a directory records
   *     its whole config, so it is not used there
   * @throws IOException naming the file and what is wrong with it
   */
  public static DetrWeights read(Path weights, DetrConfig pthBase, NDManager manager) throws IOException {
    NDManager arrays = manager.newSubManager();
    try {
      if (Files.isDirectory(weights) && TransformersWeights.isTransformersDirectory(weights)) {
        TransformersWeights.Contents hf = TransformersWeights.read(weights, arrays);
        // DetrForSegmentation: the reference DETRsegm's tensors (detr.*, bbox_attention.*,
        // mask_head.*), loaded as jdetr's DETRsegm names them
        boolean segm = hf.description().panoptic();
        return new DetrWeights(weights, Format.TRANSFORMERS, hf.tensorFile(), arrays,
            segm ? SegmentationWeights.unwrap(hf.state()) : hf.state(),
            segm ? hf.description().config().toBuilder().masks(true).build()
                : hf.description().config(), hf.description().categories());
      }
      if (Files.isDirectory(weights)) {
        ModelWeights.Info info = ModelWeights.readInfo(weights);
        Map<String, NDArray> state = ModelWeights.readTensors(weights, info, arrays);
        return new DetrWeights(weights, Format.JDETR, weights.resolve(ModelWeights.TENSORS), arrays,
            state, info.config(), info.categories());
      }
      // a DETRsegm checkpoint keeps its detector under detr.: jdetr names it without the prefix
      Map<String, NDArray> state =
          SegmentationWeights.unwrap(TorchCheckpointReader.readStateDict(weights, arrays));
      DetrConfig inferred;
      try {
        inferred = OfficialCheckpoint.inferConfig(state, pthBase);
      } catch (IllegalArgumentException e) {
        throw new IOException(weights + ": " + e.getMessage(), e);
      }
      return new DetrWeights(weights, Format.OFFICIAL, weights, arrays, state, inferred,
          OfficialCheckpoint.cocoNames(inferred.numClasses()));
    } catch (IOException | RuntimeException e) {
      arrays.close();
      throw e;
    }
  }

  /**
   * Reads {@code weights} ({@link #read}) and builds their model on {@code manager}, loaded
   * strictly; the tensors read are released.
   */
  public static Loaded load(Path weights, DetrConfig pthBase, NDManager manager) throws IOException {
    try (DetrWeights read = read(weights, pthBase, manager)) {
      return new Loaded(read.build(manager), read.categories());
    }
  }

  /**
   * The val size recorded by a training checkpoint ({@code state.json} beside the weights); empty
   * for other weights. Reads no tensors.
   *
   * @throws IOException when {@code state.json} is there but holds no readable val size
   */
  public static Optional<ValSize> valSize(Path weights) throws IOException {
    Path file = weights.resolve(TRAINING_STATE);
    if (!Files.isDirectory(weights) || !Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode augmentation;
    try {
      augmentation = new ObjectMapper().readTree(file.toFile()).path("config").path("augmentation");
    } catch (IOException e) {
      throw new IOException(file + ": no readable training recipe: " + e.getMessage(), e);
    }
    return Optional.of(new ValSize(
        positive(augmentation, "val_size", AugmentationConfig.DETR.valSize(), file),
        positive(augmentation, "max_size", AugmentationConfig.DETR.maxSize(), file)));
  }

  /** {@code key} of the stored augmentation, the recipe default when absent. */
  private static int positive(JsonNode augmentation, String key, int absent, Path file) throws IOException {
    JsonNode v = augmentation.path(key);
    if (v.isMissingNode()) {
      return absent;
    }
    if (!v.canConvertToInt() || v.asInt() <= 0) {
      throw new IOException(file + ": no readable training recipe: config.augmentation." + key
          + " must be a positive integer, got " + v);
    }
    return v.asInt();
  }

  /** The file or directory read. */
  public Path source() {
    return source;
  }

  /** Whether the weights are an official checkpoint (else a weights directory that records its config). */
  public boolean official() {
    return format == Format.OFFICIAL;
  }

  /** Where the weights come from. */
  public Format format() {
    return format;
  }

  /** The tensors under their reference names (owned by these weights: do not close them). */
  public Map<String, NDArray> tensors() {
    return Collections.unmodifiableMap(state);
  }

  /** The architecture: read off the tensors (official) or recorded in {@code model.json} or {@code config.json}. */
  public DetrConfig config() {
    return config;
  }

  /** Category names by id: recorded with the weights, COCO's for an official checkpoint. */
  public SortedMap<Integer, String> categories() {
    return categories;
  }

  /**
   * The val size a training checkpoint's run evaluated at; empty for an official checkpoint and
   * weights saved outside a training run.
   */
  public Optional<ValSize> valSize() throws IOException {
    return format == Format.JDETR ? valSize(source) : Optional.empty();
  }

  /** The state dict's tensor count. */
  public int tensorCount() {
    return state.size();
  }

  /**
   * A new model of {@link #config()} on {@code manager} with these weights, loaded strictly.
   *
   * @throws IOException naming the weights and every key that does not fit
   */
  public DetectionTransformer build(NDManager manager) throws IOException {
    DetectionTransformer detr = ModelBuilder.build(config, manager);
    loadInto(detr, false);
    return detr;
  }

  /**
   * Copies the weights into {@code detr}.
   *
   * @param allowClassHeadReset re-initialise the class head when the class counts differ (fine-tuning)
   * @throws IOException naming the weights and every key that does not fit
   */
  public StateDict.LoadReport loadInto(DetectionTransformer detr, boolean allowClassHeadReset)
      throws IOException {
    try {
      return detr.loadStateDict(state, allowClassHeadReset);
    } catch (IllegalArgumentException e) {
      String names = format == Format.TRANSFORMERS
          ? " (named as the reference names them; the transformers names map to these)" : "";
      throw new IOException(tensorFile + ": " + e.getMessage() + names, e);
    }
  }

  /** Releases the tensors read (a model built or loaded keeps its own copies). */
  @Override
  public void close() {
    arrays.close();
  }
}
