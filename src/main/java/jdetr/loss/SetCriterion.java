package jdetr.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.autograd.GraphSafe;
import jdetr.box.BoxOps;
import jdetr.data.Target;

/**
 * DETR's set loss: given the matching of every decoder layer, supervises each matched (query,
 * target) pair with a class loss and L1 + GIoU box losses, and every unmatched query with the
 * no-object class. Term names, weights and normalisation follow the reference {@code SetCriterion}
 * of DETR (softmax cross entropy) and Deformable DETR (sigmoid focal loss):
 *
 * <ul>
 *   <li>{@code loss_ce}: softmax — cross entropy over C+1 classes with class weights (1, eos_coef
 *       for no-object) and PyTorch's weighted mean {@code sum w[y] CE / sum w[y]} over all B x Q
 *       queries; focal — {@link SigmoidFocalLoss} / num_boxes (or {@link VarifocalLoss} when the
 *       config asks for it);
 *   <li>{@code loss_bbox}: L1 of matched cxcywh boxes / num_boxes; {@code loss_giou}: {@code 1 -
 *       GIoU} of matched boxes / num_boxes;
 *   <li>{@code class_error} (last layer only) and {@code cardinality_error}: logged, no gradient;
 *   <li>the last layer's terms are named plainly, layer i of the others gets the suffix {@code _i};
 *   <li>two-stage Deformable DETR: the encoder proposals, matched and supervised against the same
 *       boxes with every label set to 0 (class-agnostic), give the terms with suffix {@code _enc}.
 * </ul>
 *
 * <p>With {@link MaskLosses} (DETRsegm), the last layer also gets {@code loss_mask} and
 * {@code loss_dice}, after its box terms.
 *
 * <p>The cardinality error counts queries whose arg-max is not the last logit. With focal logits
 * (no no-object column) that is the reference's own behaviour and is kept as is.
 */
public final class SetCriterion {

  private final CriterionConfig config;
  private final int numClasses;
  private final MaskLosses masks;

  /**
   * @param config loss switch and weights
   * @param numClasses C, the number of real classes (max category id + 1), no-object excluded
   */
  public SetCriterion(CriterionConfig config, int numClasses) {
    this(config, numClasses, null);
  }

  /** As above, with the mask losses of DETRsegm when {@code masks} is not null. */
  public SetCriterion(CriterionConfig config, int numClasses, MaskLosses masks) {
    if (numClasses < 1) {
      throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
    }
    this.config = config;
    this.numClasses = numClasses;
    this.masks = masks;
  }

  /** The mask losses, or null without masks. */
  public MaskLosses masks() {
    return masks;
  }

  public CriterionConfig config() {
    return config;
  }

  /**
   * The encoder proposals of two-stage Deformable DETR with their class-agnostic matching.
   *
   * @param prediction [B, S, C] logits and [B, S, 4] boxes of the proposals
   * @param matchings per image, against {@link #classAgnostic} targets
   */
  public record EncoderProposals(LayerPrediction prediction, List<Matching> matchings) {}

  /**
   * DETRsegm's masks of a batch.
   *
   * @param predMasks [B, Q, h, w] mask logits of the last decoder layer
   * @param targets the images' target masks with the step's padded size
   */
  public record MaskPrediction(NDArray predMasks, MaskTargets targets) {}

  /** The targets with every label 0, as the reference supervises the encoder proposals. */
  public static List<Target> classAgnostic(List<Target> targets) {
    List<Target> out = new ArrayList<>(targets.size());
    for (Target t : targets) {
      out.add(new Target(t.imageId(), new int[t.size()], t.boxes(), t.area(), t.iscrowd(),
          t.origHeight(), t.origWidth(), t.height(), t.width()));
    }
    return out;
  }

  /**
   * The weight of every loss term for a model with {@code numLayers} decoder layers (the reference
   * {@code weight_dict}, without Deformable DETR's two-stage {@code _enc} keys).
   */
  public Map<String, Double> weightDict(int numLayers) {
    return weightDict(numLayers, false);
  }

  /**
   * The weight of every loss term, with the {@code _enc} keys of the encoder proposals when
   * {@code proposals} (two-stage Deformable DETR).
   */
  public Map<String, Double> weightDict(int numLayers, boolean proposals) {
    Map<String, Double> weights = new LinkedHashMap<>();
    for (String s : suffixes(config, numLayers, proposals)) {
      weights.put("loss_ce" + s, config.ceWeight());
      weights.put("loss_bbox" + s, config.bboxWeight());
      weights.put("loss_giou" + s, config.giouWeight());
      if (masks != null && s.isEmpty()) {
        weights.putAll(masks.weightDict());
      }
    }
    return weights;
  }

  private static List<String> suffixes(CriterionConfig config, int numLayers, boolean proposals) {
    List<String> suffixes = new ArrayList<>();
    suffixes.add("");
    if (config.auxLoss()) {
      for (int i = 0; i < numLayers - 1; i++) {
        suffixes.add("_" + i);
      }
    }
    if (proposals) {
      suffixes.add("_enc");
    }
    return suffixes;
  }

  /**
   * The losses of a whole batch, normalised over this batch's own targets (what the reference does).
   * See {@link #compute(List, List, List, Normalisers, long)}.
   */
  public SetLosses compute(
      List<LayerPrediction> layers, List<Target> targets, List<List<Matching>> matchings, long step) {
    int queries = (int) layers.get(layers.size() - 1).logits().getShape().get(1);
    return compute(layers, targets, matchings, Normalisers.of(targets, queries, config.eosCoef()), step);
  }

  /**
   * The losses of a batch (or of one micro-batch of a step) with the given normalisers.
   *
   * @param layers predictions of every decoder layer, the last decoder layer last
   * @param targets the batch's targets, one per image
   * @param matchings per layer (same order as {@code layers}), per image
   * @param normalisers denominators, computed over the whole step when the step is split
   * @param step training step, named in the error when the total is not finite
   * @return loss terms attached to the manager of the last layer's logits
   * @throws NonFiniteLossException when the weighted total is NaN or infinite
   */
  public SetLosses compute(
      List<LayerPrediction> layers,
      List<Target> targets,
      List<List<Matching>> matchings,
      Normalisers normalisers,
      long step) {
    return compute(layers, targets, matchings, normalisers, step, null);
  }

  /**
   * As {@link #compute(List, List, List, Normalisers, long)}, plus the {@code _enc} terms of the
   * encoder proposals when {@code proposals} is not null (two-stage Deformable DETR).
   */
  public SetLosses compute(
      List<LayerPrediction> layers,
      List<Target> targets,
      List<List<Matching>> matchings,
      Normalisers normalisers,
      long step,
      EncoderProposals proposals) {
    return compute(layers, targets, matchings, normalisers, step, proposals, null);
  }

  /**
   * As {@link #compute(List, List, List, Normalisers, long, EncoderProposals)}, plus the mask terms
   * of the last layer (DETRsegm): {@code maskPrediction} holds pred_masks [B, Q, h, w] and one
   * mask per target of each image. It is required with {@link MaskLosses} and refused without.
   */
  public SetLosses compute(
      List<LayerPrediction> layers,
      List<Target> targets,
      List<List<Matching>> matchings,
      Normalisers normalisers,
      long step,
      EncoderProposals proposals,
      MaskPrediction maskPrediction) {
    if ((masks == null) != (maskPrediction == null)) {
      throw new IllegalArgumentException(masks == null
          ? "mask predictions given to a criterion without mask losses"
          : "the criterion has mask losses (masks on) but no pred_masks / target masks were given");
    }
    if (maskPrediction != null) {
      maskPrediction.targets().requireOnePerTarget(targets);
    }
    if (!config.auxLoss()) {
      proposals = null; // the reference weighs the _enc terms only with aux_loss
    }
    if (layers.isEmpty() || layers.size() != matchings.size()) {
      throw new IllegalArgumentException(
          layers.size() + " decoder layers of predictions but " + matchings.size() + " layers of matchings");
    }
    int last = layers.size() - 1;
    NDManager owner = layers.get(last).logits().getManager();
    Map<String, NDArray> terms = new LinkedHashMap<>();
    Map<String, Float> logged = new LinkedHashMap<>();
    Map<String, Double> weights = weightDict(layers.size(), proposals != null);
    NDArray total = null;
    try (NDManager scope = owner.newSubManager()) {
      // intermediates live in the scope and are closed on return: everything autograd keeps for the
      // backward pass must then be libtorch memory, so constants and scalars go through GraphSafe
      for (LayerPrediction p : layers) {
        scope.tempAttachAll(p.logits(), p.boxes());
      }
      if (proposals != null) {
        scope.tempAttachAll(proposals.prediction().logits(), proposals.prediction().boxes());
      }
      // the reference's order: the last layer, then the auxiliary layers 0 .. L-2
      List<Integer> order = new ArrayList<>();
      order.add(last);
      for (int l = 0; config.auxLoss() && l < last; l++) {
        order.add(l);
      }
      for (int l : order) {
        String suffix = l == last ? "" : "_" + l;
        LayerTerms t = layerTerms(scope, l, layers.get(l), targets, matchings.get(l), normalisers);
        terms.put("loss_ce" + suffix, t.ce);
        if (l == last) {
          logged.put("class_error", t.classError);
        }
        terms.put("loss_bbox" + suffix, t.bbox);
        terms.put("loss_giou" + suffix, t.giou);
        logged.put("cardinality_error" + suffix, t.cardinalityError);
        if (l == last && maskPrediction != null) { // the last layer only, as the reference
          terms.putAll(masks.compute(maskPrediction.predMasks(), maskPrediction.targets(),
              matchings.get(l), normalisers.numBoxes()));
        }
      }
      if (proposals != null) {
        LayerTerms t = layerTerms(scope, layers.size(), proposals.prediction(),
            classAgnostic(targets), proposals.matchings(), normalisers);
        terms.put("loss_ce_enc", t.ce);
        terms.put("loss_bbox_enc", t.bbox);
        terms.put("loss_giou_enc", t.giou);
        logged.put("cardinality_error_enc", t.cardinalityError);
      }
      // weighted total summed term by term in the reference's key order
      for (Map.Entry<String, NDArray> e : terms.entrySet()) {
        NDArray weighted = GraphSafe.mul(e.getValue(), weights.get(e.getKey()).floatValue());
        total = total == null ? weighted : total.add(weighted);
      }
      total.attach(owner);
      terms.values().forEach(a -> a.attach(owner));
    }
    SetLosses losses = new SetLosses(total, terms, logged);
    float value = total.getFloat();
    if (!Float.isFinite(value)) {
      throw new NonFiniteLossException(step, value, losses.values());
    }
    return losses;
  }

  private record LayerTerms(
      NDArray ce, NDArray bbox, NDArray giou, float classError, float cardinalityError) {}

  private LayerTerms layerTerms(
      NDManager scope,
      int layer,
      LayerPrediction prediction,
      List<Target> targets,
      List<Matching> matchings,
      Normalisers norm) {
    NDArray logits = prediction.logits(); // [B, Q, K]
    NDArray boxes = prediction.boxes(); // [B, Q, 4] cxcywh
    boolean focal = config.classLoss() == ClassLoss.SIGMOID_FOCAL;
    int b = targets.size();
    Shape ls = logits.getShape();
    int k = focal ? numClasses : numClasses + 1;
    if (ls.dimension() != 3 || ls.get(0) != b || ls.get(2) != k) {
      throw new IllegalArgumentException(
          "layer " + layer + ": logits must be [" + b + ", Q, " + k + "] for " + config.classLoss()
              + " with " + numClasses + " classes, got " + ls);
    }
    int q = (int) ls.get(1);
    if (!boxes.getShape().equals(new Shape(b, q, 4))) {
      throw new IllegalArgumentException(
          "layer " + layer + ": boxes must be [" + b + ", " + q + ", 4], got " + boxes.getShape());
    }
    if (matchings.size() != b) {
      throw new IllegalArgumentException(
          "layer " + layer + ": " + matchings.size() + " matchings for " + b + " images");
    }
    MatchedPairs pairs = MatchedPairs.of(layer, targets, matchings, q, numClasses);

    // class targets: matched label, or the no-object index C for the rest
    int[] classes = new int[b * q]; // [B * Q]
    Arrays.fill(classes, numClasses);
    for (int i = 0; i < pairs.size(); i++) {
      classes[pairs.flatQuery[i]] = pairs.labels[i];
    }
    // matched boxes: [N, 4] cxcywh, gathered from the flattened [B * Q, 4]
    long[] gatherIdx = new long[pairs.size() * 4];
    for (int i = 0; i < gatherIdx.length; i++) {
      gatherIdx[i] = pairs.flatQuery[i / 4];
    }
    NDArray idx = GraphSafe.create(scope, gatherIdx, new Shape(pairs.size(), 4));
    NDArray src = boxes.reshape(b * q, 4).gather(idx, 0); // [N, 4]
    NDArray tgt = GraphSafe.create(scope, pairs.boxes, new Shape(pairs.size(), 4));
    NDArray ce;
    if (focal && config.varifocal()) {
      ce = VarifocalLoss.loss(scope, logits, src, pairs, numClasses, norm.numBoxes());
    } else if (focal) {
      float[] onehot = new float[b * q * numClasses]; // [B, Q, C]
      for (int i = 0; i < pairs.size(); i++) {
        onehot[pairs.flatQuery[i] * numClasses + pairs.labels[i]] = 1f;
      }
      NDArray t = GraphSafe.create(scope, onehot, new Shape(b, q, numClasses));
      ce = SigmoidFocalLoss.loss(logits, t, norm.numBoxes(), config.focalAlpha(), ClassLoss.FOCAL_GAMMA);
    } else {
      float[] weight = new float[b * q]; // w[y] per query
      for (int i = 0; i < weight.length; i++) {
        weight[i] = classes[i] == numClasses ? (float) config.eosCoef() : 1f;
      }
      NDArray y = GraphSafe.create(scope, toLong(classes), new Shape(b, q, 1));
      NDArray nll = logits.logSoftmax(2).gather(y, 2).squeeze(2).neg(); // [B, Q]
      NDArray w = GraphSafe.create(scope, weight, new Shape(b, q));
      ce = GraphSafe.div(nll.mul(w).sum(), (float) norm.ceWeightSum());
    }

    NDArray bbox = GraphSafe.div(src.sub(tgt).abs().sum(), (float) norm.numBoxes());
    NDArray oneMinusGiou = // [N]
        BoxOps.elementwiseGeneralizedIou(BoxOps.cxcywhToXyxy(src), BoxOps.cxcywhToXyxy(tgt)).neg().add(1f);
    NDArray giou = GraphSafe.div(oneMinusGiou.sum(), (float) norm.numBoxes());

    float classError = classError(logits, pairs, b, q, k);
    float cardinalityError = cardinalityError(logits, targets, b, q, k);
    return new LayerTerms(ce, bbox, giou, classError, cardinalityError);
  }

  /** 100 - top-1 accuracy (%) of the matched queries; 100 when nothing is matched (reference). */
  private static float classError(NDArray logits, MatchedPairs pairs, int b, int q, int k) {
    if (pairs.size() == 0) {
      return 100f;
    }
    long[] predicted = logits.stopGradient().reshape(b * q, k).argMax(1).toLongArray(); // [B * Q]
    int correct = 0;
    for (int i = 0; i < pairs.size(); i++) {
      if (predicted[pairs.flatQuery[i]] == pairs.labels[i]) {
        correct++;
      }
    }
    // float arithmetic as in the reference: correct * (100 / N), then 100 - that
    float accuracy = (float) correct * (float) (100.0 / pairs.size());
    return 100f - accuracy;
  }

  /** Mean over images of |#queries whose arg-max is not the last logit - #targets|. */
  private static float cardinalityError(NDArray logits, List<Target> targets, int b, int q, int k) {
    long[] predicted = logits.stopGradient().argMax(2).toLongArray(); // [B, Q]
    float sum = 0;
    for (int i = 0; i < b; i++) {
      int count = 0;
      for (int j = 0; j < q; j++) {
        if (predicted[i * q + j] != k - 1) {
          count++;
        }
      }
      sum += Math.abs(count - targets.get(i).size());
    }
    return sum / b;
  }

  private static long[] toLong(int[] v) {
    long[] out = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }
}
