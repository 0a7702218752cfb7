package jdetr.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import jdetr.data.Batch;
import jdetr.data.Collate;
import jdetr.data.Example;
import jdetr.data.InstanceMasks;
import jdetr.data.PixelTarget;
import jdetr.data.RgbImage;
import jdetr.data.Sample;
import jdetr.data.transforms.ValTransform;
import jdetr.loss.ClassLoss;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrOutput;
import jdetr.model.ModelInput;
import jdetr.model.NoGrad;

/**
 * Inference as the reference evaluates: the val transform (short side resized, ImageNet
 * normalisation), padding to a batch, the model in eval mode without autograd, and
 * {@link PostProcess} back to pixels of each original image. The one inference loop of
 * {@code jdetr predict}, the detection server and the evaluation of a training run. Runs on the
 * caller's thread; one instance is used by one thread at a time.
 */
public final class DetrPredictor {

  /**
   * The raw outputs of one batch, copied off the device.
   *
   * @param logits [L, B, Q, K] every decoder layer's class logits
   * @param boxes [L, B, Q, 4] every decoder layer's boxes, cxcywh in [0, 1]
   * @param inputHeights per image, the height after the val transform (before padding)
   * @param inputWidths per image, the width after the val transform (before padding)
   * @param predMasks [B, Q, maskHeight, maskWidth] the last layer's mask logits, or null when the
   *     model predicts no masks
   */
  public record Raw(
      int layers, int batch, int queries, int logitDim, float[] logits, float[] boxes,
      int[] inputHeights, int[] inputWidths, int maskHeight, int maskWidth, float[] predMasks) {

    /** Raw outputs without masks. */
    public Raw(int layers, int batch, int queries, int logitDim, float[] logits, float[] boxes,
        int[] inputHeights, int[] inputWidths) {
      this(layers, batch, queries, logitDim, logits, boxes, inputHeights, inputWidths, 0, 0, null);
    }

    /** These outputs with the mask logits {@code [B, Q, h, w]}, copied off the device. */
    Raw withPredMasks(NDArray masks) {
      long[] s = masks.getShape().getShape();
      float[] values;
      try (NDArray f = masks.toType(ai.djl.ndarray.types.DataType.FLOAT32, true)) {
        values = f.toFloatArray();
      }
      return new Raw(layers, batch, queries, logitDim, logits, boxes, inputHeights, inputWidths,
          (int) s[2], (int) s[3], values);
    }

    /**
     * The first image's outputs as the reference's output dict in JSON: {@code input_height},
     * {@code input_width}, {@code pred_logits} [Q, K] and {@code pred_boxes} [Q, 4] of the last
     * layer, {@code pred_masks} [Q, H/4, W/4] when the model predicts masks, {@code aux_outputs}
     * of the others.
     */
    public byte[] toJson() throws IOException {
      ObjectMapper json = new ObjectMapper();
      ObjectNode root = json.createObjectNode();
      root.put("input_height", inputHeights[0]);
      root.put("input_width", inputWidths[0]);
      int perLayerLogits = batch * queries * logitDim;
      int perLayerBoxes = batch * queries * 4;
      int last = layers - 1;
      root.set("pred_logits", matrix(json, logits, last * perLayerLogits, logitDim));
      root.set("pred_boxes", matrix(json, boxes, last * perLayerBoxes, 4));
      if (predMasks != null) {
        ArrayNode masks = root.putArray("pred_masks"); // [Q, h, w] of the first image
        for (int q = 0; q < queries; q++) {
          ArrayNode plane = masks.addArray();
          for (int y = 0; y < maskHeight; y++) {
            ArrayNode row = plane.addArray();
            for (int x = 0; x < maskWidth; x++) {
              row.add(predMasks[(q * maskHeight + y) * maskWidth + x]);
            }
          }
        }
      }
      ArrayNode aux = root.putArray("aux_outputs");
      for (int l = 0; l < last; l++) {
        ObjectNode layer = aux.addObject();
        layer.set("pred_logits", matrix(json, logits, l * perLayerLogits, logitDim));
        layer.set("pred_boxes", matrix(json, boxes, l * perLayerBoxes, 4));
      }
      return json.writeValueAsBytes(root);
    }

    /** [Q, cols] of {@code data} from {@code offset}, as nested JSON arrays. */
    private ArrayNode matrix(ObjectMapper json, float[] data, int offset, int cols) {
      ArrayNode m = json.createArrayNode();
      for (int r = 0; r < queries; r++) {
        ArrayNode row = m.addArray();
        for (int c = 0; c < cols; c++) {
          row.add(data[offset + r * cols + c]);
        }
      }
      return m;
    }
  }

  /**
   * Detections per image (each with its mask when the model predicts masks), and the raw outputs
   * they came from (null unless asked for).
   */
  public record Prediction(List<List<Detection>> detections, Raw raw) {}

  private final DetectionTransformer detr;
  private final SortedMap<Integer, String> categories;
  private final ValTransform transform;
  private final PostProcess postProcess;
  private final Function<DetrOutput, NDArray> predMasks;

  /** A predictor of boxes and, for a model with a mask head (DETRsegm), of masks. */
  public DetrPredictor(DetectionTransformer detr, SortedMap<Integer, String> categories, ValTransform transform) {
    this(detr, categories, transform, DetrOutput::predMasks);
  }

  private DetrPredictor(DetectionTransformer detr, SortedMap<Integer, String> categories,
      ValTransform transform, Function<DetrOutput, NDArray> predMasks) {
    this.detr = detr;
    this.postProcess = new PostProcess(detr.config().classLoss());
    this.categories = categories;
    this.transform = transform;
    this.predMasks = predMasks;
  }

  /**
   * This predictor, reading each forward pass's mask logits {@code [B, Q, h, w]} with {@code
   * predMasks} (which may give null: no masks for that output) and turning them into each
   * detection's mask with {@link PostProcessSegm}. Masks come one per query, so they need DETR's
   * softmax class head, whose detections are the queries in order.
   */
  public DetrPredictor withPredMasks(Function<DetrOutput, NDArray> predMasks) {
    return new DetrPredictor(detr, categories, transform, predMasks);
  }

  /** A predictor without category names (every label is named "class N"). */
  public DetrPredictor(DetectionTransformer detr, ValTransform transform) {
    this(detr, new TreeMap<>(), transform);
  }

  public SortedMap<Integer, String> categories() {
    return categories;
  }

  /** The name of a label, or "class N" for an id without one. */
  public String name(int label) {
    return categories.getOrDefault(label, "class " + label);
  }

  /**
   * Detects objects in each image; every query's detection is returned (no threshold), with the
   * raw outputs.
   */
  public Prediction predict(List<RgbImage> images) {
    List<Sample> samples = new ArrayList<>(images.size());
    for (RgbImage image : images) {
      samples.add(transform(image));
    }
    return run(samples, true);
  }

  /** The val transform of one image; uses no model state, so any thread may call it. */
  public Sample transform(RgbImage image) {
    int h = image.height();
    int w = image.width();
    PixelTarget none = new PixelTarget(-1, new int[0], new float[0], new float[0], new boolean[0], h, w, h, w);
    return transform.apply(new Example(image, none));
  }

  /**
   * Detects objects in images already through the val transform ({@link #transform}, or the val
   * transform of dataset examples); boxes come back in pixels of each image before the transform
   * (the size its target records).
   */
  public List<List<Detection>> detect(List<Sample> samples) {
    return run(samples, false).detections();
  }

  /** Detection k of each image with mask k (detections are the queries, in order). */
  private static List<List<Detection>> withMasks(List<List<Detection>> detections,
      List<InstanceMasks> masks) {
    List<List<Detection>> out = new ArrayList<>(detections.size());
    for (int i = 0; i < detections.size(); i++) {
      List<Detection> image = new ArrayList<>(detections.get(i).size());
      for (int k = 0; k < detections.get(i).size(); k++) {
        image.add(detections.get(i).get(k).withMask(masks.get(i).rle(k)));
      }
      out.add(image);
    }
    return out;
  }

  /** Each image's masks of its original size from the batch's mask logits. */
  private static List<InstanceMasks> masks(NDArray logits, Batch batch) {
    int[][] sizes = new int[batch.size()][], orig = new int[batch.size()][];
    for (int i = 0; i < batch.size(); i++) {
      sizes[i] = new int[] {batch.imageHeights()[i], batch.imageWidths()[i]};
      orig[i] = new int[] {batch.targets().get(i).origHeight(), batch.targets().get(i).origWidth()};
    }
    return new PostProcessSegm().apply(logits, sizes, orig);
  }

  /** One padded batch through the model without autograd; the raw outputs copied when asked for. */
  private Prediction run(List<Sample> samples, boolean withRaw) {
    Batch batch = Collate.of(samples);
    NDManager model = detr.getParameters().valueAt(0).getArray().getManager();
    try (NDManager scope = model.newSubManager(); NoGrad g = NoGrad.enter()) {
      ModelInput input = ModelInput.of(batch, scope);
      DetrOutput out = detr.forward(input.images(), input.mask(), false);
      Raw raw = null;
      if (withRaw) {
        long[] s = out.logits().getShape().getShape(); // [L, B, Q, K]
        raw = new Raw((int) s[0], (int) s[1], (int) s[2], (int) s[3],
            out.logits().toFloatArray(), out.boxes().toFloatArray(),
            batch.imageHeights().clone(), batch.imageWidths().clone());
      }
      PostProcess.Result result = postProcess.apply(out.predLogits(), out.predBoxes(), batch.targets());
      NDArray logits = predMasks == null ? null : predMasks.apply(out); // [B, Q, h, w]
      List<List<Detection>> detections = result.detections();
      if (logits != null) {
        if (detr.config().classLoss() != ClassLoss.SOFTMAX_CE) {
          throw new IllegalStateException("masks need the softmax class head (one detection per"
              + " query), not " + detr.config().classLoss());
        }
        detections = withMasks(detections, masks(logits, batch));
        if (raw != null) raw = raw.withPredMasks(logits);
      }
      return new Prediction(detections, raw);
    }
  }
}
