package jdetr.model.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.List;
import java.util.Map;
import jdetr.model.DetectionTransformer;
import jdetr.model.Detr;
import jdetr.model.DetrConfig;
import jdetr.model.DetrOutput;
import jdetr.model.Joiner;
import jdetr.model.StateDict;

/**
 * DETR for instance segmentation (the reference's {@code DETRsegm}): a {@link Detr} whose backbone
 * returns layer1..layer4, plus {@link MHAttentionMap} ({@code bbox_attention}) of the last decoder
 * layer's queries over the encoder memory and {@link MaskHeadSmallConv} ({@code mask_head}) turning
 * each query's maps into mask logits at stride 4: {@code pred_masks [B, Q, H/4, W/4]}.
 *
 * <p>Parameter names are the detector's own ({@code transformer.…}, {@code backbone.…}: the
 * reference's without its {@code detr.} prefix, which {@link SegmentationWeights} strips) plus
 * {@code bbox_attention.…} and {@code mask_head.…}.
 */
public final class DETRsegm extends DetectionTransformer {

  /** State-dict name prefixes of the segmentation head. */
  public static final List<String> HEAD_PREFIXES = List.of("bbox_attention.", "mask_head.");

  private final Detr detr;
  private final MHAttentionMap bboxAttention;
  private final MaskHeadSmallConv maskHead;

  /** Wraps {@code detr} (built from a config with {@code masks}) with a new, uninitialised head. */
  public DETRsegm(Detr detr) {
    DetrConfig config = detr.config();
    if (!config.masks()) {
      throw new IllegalArgumentException("DETRsegm needs a DETR built with masks (its backbone"
          + " must return layer1-3)");
    }
    this.detr = detr;
    detr.namedChildren().forEach(this::child); // the detector's names, unprefixed
    int d = config.hiddenDim();
    int heads = config.nheads();
    List<Long> channels = detr.backbone().backbone().channels(); // layer1..layer4
    bboxAttention = child("bbox_attention", new MHAttentionMap(d, d, heads, true));
    maskHead = child("mask_head", new MaskHeadSmallConv(d + heads,
        List.of(channels.get(2), channels.get(1), channels.get(0)), d, true));
  }

  /**
   * A DETRsegm with the reference's random initialisation (the detector first, then the head; seed
   * with {@code Engine.getInstance().setRandomSeed}); the arrays belong to {@code manager}.
   */
  public static DETRsegm create(DetrConfig config, NDManager manager) {
    DETRsegm segm = new DETRsegm(Detr.create(config, manager));
    Shape image = new Shape(1, 3, 32, 32);
    segm.bboxAttention.initialize(manager, DataType.FLOAT32, image);
    segm.maskHead.initialize(manager, DataType.FLOAT32, image);
    return segm;
  }

  /**
   * Freezes the detector, as the reference does for {@code --frozen_weights}: none of its
   * parameters requires a gradient any more; only the segmentation head trains.
   */
  public void freezeDetector() {
    for (Parameter p : detr.namedParameters().values()) {
      p.freeze(true);
    }
  }

  @Override
  public DetrOutput forward(NDArray images, NDArray mask, boolean training) {
    return forward(detr.backbone().forward(images, mask, training), training, null);
  }

  /**
   * The detector and the mask head on backbone features (layer1..layer4).
   *
   * @param taps when not null, receives {@code bbox_mask} ([B, Q, heads, h, w]) and the mask head's
   *     GroupNorm outputs {@code gn1 .. gn5}
   * @return every decoder layer's logits and boxes, and {@code predMasks} [B, Q, H/4, W/4]
   */
  public DetrOutput forward(Joiner.Output features, boolean training, Map<String, NDArray> taps) {
    Detr.Decoded decoded = detr.decode(features, training);
    NDArray hs = decoded.transformer().hs(); // [L, B, Q, C]
    NDArray last = hs.get(hs.getShape().get(0) - 1); // [B, Q, C]
    NDArray bboxMask = bboxAttention.forward(last, decoded.transformer().memory(),
        features.last().mask()); // [B, Q, heads, h, w]
    if (taps != null) {
      taps.put("bbox_mask", bboxMask);
    }
    List<NDArray> fpns = List.of(features.maps().get(2).features(),
        features.maps().get(1).features(), features.maps().get(0).features());
    NDArray seg = maskHead.forward(decoded.srcProj(), bboxMask, fpns, taps); // [B * Q, 1, h1, w1]
    Shape s = seg.getShape();
    Shape ms = bboxMask.getShape();
    return decoded.output().withMasks(seg.reshape(ms.get(0), ms.get(1), s.get(2), s.get(3)));
  }

  /**
   * Loads a DETRsegm state dict (the reference's {@code detr.} prefix stripped, see
   * {@link SegmentationWeights#unwrap}) strictly, or a box-only DETR state dict into the detector
   * with the segmentation head left as initialised: the report lists those fresh keys.
   */
  @Override
  public StateDict.LoadReport loadStateDict(Map<String, NDArray> state, boolean allowClassHeadReset) {
    Map<String, NDArray> unwrapped = SegmentationWeights.unwrap(state);
    if (SegmentationWeights.hasHead(unwrapped)) {
      return StateDict.load(this, unwrapped, allowClassHeadReset ? detr.classEmbed() : null,
          "class_embed");
    }
    StateDict.LoadReport detector = detr.loadStateDict(unwrapped, allowClassHeadReset);
    List<String> fresh = namedParameters().keySet().stream()
        .filter(k -> HEAD_PREFIXES.stream().anyMatch(k::startsWith)).toList();
    return detector.withFreshKeys(fresh);
  }

  @Override
  public DetrConfig config() {
    return detr.config();
  }

  @Override
  public Joiner backbone() {
    return detr.backbone();
  }

  /** The wrapped detector (its parameters are this model's, under the same names). */
  public Detr detr() {
    return detr;
  }

  public MHAttentionMap bboxAttention() {
    return bboxAttention;
  }

  public MaskHeadSmallConv maskHead() {
    return maskHead;
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    DetrOutput out = forward(inputs.get(0), inputs.get(1), training);
    return new NDList(out.logits(), out.boxes(), out.predMasks());
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape[] boxes = detr.getOutputShapes(inputShapes);
    Shape layer1 = detr.backbone().backbone().getOutputShapes(inputShapes)[0];
    return new Shape[] {boxes[0], boxes[1], new Shape(layer1.get(0), config().numQueries(),
        layer1.get(2), layer1.get(3))};
  }
}
