package jdetr.model.deformable;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.initializer.Initializer;
import jdetr.autograd.GraphSafe;
import jdetr.model.nn.Linear;
import jdetr.model.nn.TorchBlock;
import jdetr.model.nn.TorchInit;

/**
 * Multi-scale deformable attention (MSDeformAttn): each query attends, per head and per feature
 * level, to a few sampled points around its reference point. The query predicts the sampling
 * offsets ({@code sampling_offsets}) and the attention weights ({@code attention_weights},
 * softmax over the L x P samples of a head); the values are a linear projection of the input
 * ({@code value_proj}, zeroed at padded tokens); the heads' weighted sums are projected by
 * {@code output_proj}.
 *
 * <p>Reference points are normalised (x, y) per level, or boxes (cx, cy, w, h) per level, in which
 * case the offsets are scaled by half the box size divided by the number of points. Initialisation
 * is the reference's: offset weights 0 and offset biases pointing each head in its own direction
 * (cos, sin scaled to a unit max-norm) at distances 1..P; attention weights and biases 0; value and
 * output projections Xavier-uniform with zero bias.
 *
 * <p>Without autograd recording (inference), float32 on the CPU, the sum is computed in Java by
 * {@link DirectSampling}, which applies the sampling locations and the padding itself: over the
 * projected values when there are about as many queries as tokens (the encoder), or over the input
 * features, projected per head afterwards, when a few queries sample a large map (the decoder:
 * this spares value_proj over every token).
 */
public final class MsDeformAttn extends TorchBlock {

  private final int dModel;
  private final int levels;
  private final int heads;
  private final int points;
  private final Linear samplingOffsets;
  private final Linear attentionWeights;
  private final Linear valueProj;
  private final Linear outputProj;

  public MsDeformAttn(int dModel, int levels, int heads, int points, boolean trainable) {
    if (dModel % heads != 0) {
      throw new IllegalArgumentException("d_model must be divisible by n_heads, but got " + dModel
          + " and " + heads);
    }
    this.dModel = dModel;
    this.levels = levels;
    this.heads = heads;
    this.points = points;
    samplingOffsets = child("sampling_offsets", new Linear(dModel, (long) heads * levels * points * 2,
        TorchInit.constant(0f), directionGrid(heads, levels, points), trainable));
    attentionWeights = child("attention_weights", new Linear(dModel, (long) heads * levels * points,
        TorchInit.constant(0f), TorchInit.constant(0f), trainable));
    valueProj = child("value_proj", new Linear(dModel, dModel, TorchInit.xavierUniform(),
        TorchInit.constant(0f), trainable));
    outputProj = child("output_proj", new Linear(dModel, dModel, TorchInit.xavierUniform(),
        TorchInit.constant(0f), trainable));
  }

  /**
   * The initial sampling offsets: head h looks in direction theta_h = 2 pi h / M, (cos, sin)
   * divided by its larger absolute component, point p at (p + 1) times that, the same on every
   * level. Laid out as [M, L, P, 2] flattened.
   */
  static Initializer directionGrid(int heads, int levels, int points) {
    return (m, shape, type) -> {
      float[] v = new float[heads * levels * points * 2];
      for (int h = 0; h < heads; h++) {
        float theta = (float) h * (float) (2.0 * Math.PI / heads);
        float cos = (float) Math.cos(theta);
        float sin = (float) Math.sin(theta);
        float max = Math.max(Math.abs(cos), Math.abs(sin));
        for (int l = 0; l < levels; l++) {
          for (int p = 0; p < points; p++) {
            int i = ((h * levels + l) * points + p) * 2;
            v[i] = cos / max * (p + 1);
            v[i + 1] = sin / max * (p + 1);
          }
        }
      }
      return GraphSafe.create(m, v, shape).toType(type, false);
    };
  }

  /**
   * @param query [N, Lq, C] queries (with their positions added)
   * @param referencePoints [N, Lq, L, 2] normalised (x, y), or [N, Lq, L, 4] (cx, cy, w, h)
   * @param input [N, S, C] the flattened multi-scale features
   * @param levels their level sizes
   * @param paddingMask [N, S] boolean, true = padding; or null
   * @return [N, Lq, C]
   */
  public NDArray forward(NDArray query, NDArray referencePoints, NDArray input,
      FeatureLevels levels, NDArray paddingMask) {
    return scoped(() -> attend(query, referencePoints, input, levels, paddingMask),
        query, referencePoints, input, paddingMask);
  }

  private NDArray attend(NDArray query, NDArray referencePoints, NDArray input,
      FeatureLevels levels, NDArray paddingMask) {
    if (levels.count() != this.levels) {
      throw new IllegalArgumentException("MSDeformAttn built for " + this.levels + " levels, given "
          + levels.count());
    }
    long n = query.getShape().get(0);
    long lq = query.getShape().get(1);
    long s = input.getShape().get(1);
    int l = levels.count();
    NDArray offsets = samplingOffsets.forward(query); // [N, Lq, M * L * P * 2]
    NDArray attention = attentionWeights.forward(query)
        .reshape(n, lq, heads, (long) l * points).softmax(-1); // [N, Lq, M, L * P]
    if (!JniUtils.isGradMode()
        && DirectSampling.supports(input, offsets, attention, n * lq * dModel)
        && referencePoints.getDataType() == DataType.FLOAT32
        && (paddingMask == null || paddingMask.getDataType() == DataType.BOOLEAN)) {
      checkReference(referencePoints, n, lq, levels);
      // inference: the locations and the padding are applied while sampling
      NDArray out = sumsTheInput(lq, s, levels)
          ? projectSampledInput(query, input, referencePoints, levels, paddingMask, offsets,
              attention)
          : DirectSampling.sample(valueProj.forward(input), paddingMask, levels, referencePoints,
              offsets, attention, heads, points, JniUtils.getNumThreads());
      return outputProj.forward(out);
    }
    NDArray value = valueProj.forward(input); // [N, S, C]
    if (paddingMask != null) {
      NDArray padded = paddingMask.expandDims(2).broadcast(value.getShape()); // [N, S, C]
      value = NDArrays.where(padded, value.zerosLike(), value);
    }
    value = value.reshape(n, s, heads, dModel / heads); // [N, S, M, D]
    NDArray locations = samplingLocations(referencePoints,
        offsets.reshape(n, lq, heads, l, points, 2), levels); // [N, Lq, M, L, P, 2]
    NDArray out = MsDeformAttnCore.sample(value, levels, locations,
        attention.reshape(n, lq, heads, l, points)); // [N, Lq, C]
    return outputProj.forward(out);
  }

  /**
   * Whether sampling the input features and projecting each head's sums (C multiply-adds per
   * corner, D x C per query and head) costs less than projecting every token (C x C) and sampling
   * the values (D per corner): the decoder's few queries over a large map.
   */
  private boolean sumsTheInput(long lq, long s, FeatureLevels levels) {
    long d = dModel / heads;
    long corners = (long) heads * levels.count() * points * 4; // per query
    return lq * (corners * dModel + heads * d * dModel) < s * dModel * dModel + lq * corners * d;
  }

  /**
   * value_proj applied after the sampling: head m's sampled value is W_m (sum of w x) + b_m (sum
   * of w), W_m its D rows of the weight, the sums over the corners on the map and not padded.
   *
   * @return [N, Lq, C]
   */
  private NDArray projectSampledInput(NDArray query, NDArray input, NDArray referencePoints,
      FeatureLevels levels, NDArray paddingMask, NDArray offsets, NDArray attention) {
    long n = query.getShape().get(0);
    long lq = query.getShape().get(1);
    long d = dModel / heads;
    NDList sampled = DirectSampling.sampleInput(input, paddingMask, levels, referencePoints,
        offsets, attention, heads, points, JniUtils.getNumThreads());
    NDArray sums = sampled.get(0); // [M, N * Lq, C]
    NDArray weightSums = sampled.get(1); // [M, N * Lq, 1]
    var params = valueProj.namedParameters();
    // the view goes to the activations' manager before the transpose, so none stays on the model's
    NDArray weight = onManagerOf(query, params.get("weight").getArray().reshape(heads, d, dModel))
        .transpose(0, 2, 1); // [M, C, D]
    NDArray bias = onManagerOf(query, params.get("bias").getArray().reshape(heads, 1, d));
    return sums.matMul(weight).add(weightSums.mul(bias)) // [M, N * Lq, D]
        .transpose(1, 0, 2).reshape(n, lq, dModel);
  }

  private static void checkReference(NDArray referencePoints, long n, long lq,
      FeatureLevels levels) {
    Shape r = referencePoints.getShape();
    if (r.dimension() != 4 || r.get(0) != n || r.get(1) != lq || r.get(2) != levels.count()
        || (r.get(3) != 2 && r.get(3) != 4)) {
      throw new IllegalArgumentException("reference_points must be [" + n + ", " + lq + ", "
          + levels.count() + ", 2 or 4], but got " + r);
    }
  }

  /** [N, Lq, M, L, P, 2] normalised sampling locations. */
  private NDArray samplingLocations(NDArray referencePoints, NDArray offsets, FeatureLevels levels) {
    Shape r = referencePoints.getShape();
    long n = r.get(0);
    long lq = r.get(1);
    int l = levels.count();
    if (r.get(3) == 2) {
      NDArray ref = referencePoints.reshape(n, lq, 1, l, 1, 2);
      NDArray normaliser = levels.widthHeight(offsets.getManager(), 3); // [1, 1, 1, L, 1, 2]
      return ref.add(offsets.div(normaliser));
    }
    if (r.get(3) == 4) {
      NDArray centre = referencePoints.get("..., :2").reshape(n, lq, 1, l, 1, 2);
      NDArray size = referencePoints.get("..., 2:").reshape(n, lq, 1, l, 1, 2);
      NDArray scaled = GraphSafe.mul(GraphSafe.div(offsets, points).mul(size), 0.5f);
      return centre.add(scaled);
    }
    throw new IllegalArgumentException(
        "Last dim of reference_points must be 2 or 4, but got " + r.get(3));
  }

  public int levels() {
    return levels;
  }

  public int points() {
    return points;
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    throw new UnsupportedOperationException("MSDeformAttn needs its feature levels: call forward");
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }
}
