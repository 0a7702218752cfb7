package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.Map;
import jdetr.model.nn.Bfloat16;
import jdetr.model.nn.Conv2d;
import jdetr.model.nn.Embedding;
import jdetr.model.nn.Linear;

/**
 * DETR: backbone + positions, a 1x1 input projection to the transformer width, the transformer
 * decoding {@code num_queries} learned queries, and per-layer heads: a linear class head with
 * {@code num_classes + 1} outputs and a 3-layer box MLP followed by a sigmoid.
 *
 * <p>Parameter names equal the reference state_dict keys ({@code transformer.…},
 * {@code class_embed.…}, {@code bbox_embed.layers.N.…}, {@code query_embed.weight},
 * {@code input_proj.…}, {@code backbone.0.body.…}, {@code backbone.1.…}); see {@link StateDict}.
 */
public final class Detr extends DetectionTransformer {

  private final DetrConfig config;
  private final Transformer transformer;
  private final Linear classEmbed;
  private final Mlp bboxEmbed;
  private final Embedding queryEmbed;
  private final Conv2d inputProj;
  private final Joiner backbone;

  public Detr(DetrConfig config) {
    if (config.isDeformable()) {
      throw new IllegalArgumentException("Detr built from a Deformable DETR config");
    }
    this.config = config;
    int d = config.hiddenDim();
    transformer = child("transformer", new Transformer(d, config.nheads(), config.encLayers(),
        config.decLayers(), config.dimFeedforward(), (float) config.dropout(), config.preNorm(),
        true));
    classEmbed = child("class_embed", new Linear(d, config.numClasses() + 1L, true));
    bboxEmbed = child("bbox_embed", new Mlp(d, d, 4, 3, true));
    queryEmbed = child("query_embed", new Embedding(config.numQueries(), d, true));
    inputProj = child("input_proj", Conv2d.withDefaultInit(config.backboneChannels(), d, 1, true));
    Backbone body = new Backbone(config.backbone(), config.trainBackbone(), config.dilation(),
        config.returnedStages(), config.backboneNorm());
    backbone = child("backbone", switch (config.positionEmbedding()) {
      case SINE -> new Joiner(body, new PositionEmbeddingSine(d / 2));
      case LEARNED -> new Joiner(body, new PositionEmbeddingLearned(d / 2, true));
    });
  }

  /**
   * Builds a DETR and fills its parameters with the reference's random initialization (seed it
   * with {@code Engine.getInstance().setRandomSeed}); the arrays belong to {@code manager}.
   */
  public static Detr create(DetrConfig config, NDManager manager) {
    Detr detr = new Detr(config);
    detr.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32), new Shape(1, 32, 32));
    return detr;
  }

  /**
   * @param images [B, 3, H, W] float, normalized, zero-padded to a common size
   * @param mask [B, H, W] boolean, true = padding
   * @param training dropout active, a trained BatchNorm2d backbone uses batch statistics
   */
  @Override
  public DetrOutput forward(NDArray images, NDArray mask, boolean training) {
    return forward(backbone.forward(castInput(images), mask, training), training);
  }

  /** Images in the backbone's type: bfloat16 after {@link InferenceCast}, else themselves. */
  public NDArray castInput(NDArray images) {
    return Bfloat16.like(images, queryEmbed.table());
  }

  /** The heads and transformer on features already computed by {@link #backbone()}. */
  public DetrOutput forward(Joiner.Output features, boolean training) {
    return decode(features, training).output();
  }

  /**
   * What DETRsegm reads besides the predictions.
   *
   * @param output every decoder layer's logits and boxes
   * @param srcProj [B, C, h, w] the last feature map after the input projection
   * @param transformer the decoder states [L, B, Q, C] and the encoder memory [B, C, h, w]
   */
  public record Decoded(DetrOutput output, NDArray srcProj, Transformer.Output transformer) {}

  /** As {@link #forward(Joiner.Output, boolean)}, keeping the projected features and the memory. */
  public Decoded decode(Joiner.Output features, boolean training) {
    FeatureMap last = features.last();
    NDArray src = inputProj.forward(last.features()); // [B, C, h, w]
    Transformer.Output t = transformer.forward(src, last.mask(), queryEmbed.table(),
        features.lastPosition(), training);
    // the heads run in float32 (InferenceCast keeps them so): a no-op unless the rest is bfloat16
    NDArray hs = t.hs().toType(DataType.FLOAT32, false); // [L, B, Q, C]
    NDArray logits = classEmbed.forward(hs); // [L, B, Q, numClasses + 1]
    NDArray boxes = Activation.sigmoid(bboxEmbed.forward(hs)); // [L, B, Q, 4] cxcywh
    return new Decoded(new DetrOutput(logits, boxes), src, t);
  }

  @Override
  public StateDict.LoadReport loadStateDict(Map<String, NDArray> state, boolean allowClassHeadReset) {
    return StateDict.load(this, state, allowClassHeadReset ? classEmbed : null, "class_embed");
  }

  @Override
  public DetrConfig config() {
    return config;
  }

  @Override
  public Joiner backbone() {
    return backbone;
  }

  public Transformer transformer() {
    return transformer;
  }

  /** The class head, re-initialized when fine-tuning on another class count. */
  public Linear classEmbed() {
    return classEmbed;
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    DetrOutput out = forward(inputs.get(0), inputs.get(1), training);
    return new NDList(out.logits(), out.boxes());
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    long b = inputShapes[0].get(0);
    long l = config.decLayers();
    long q = config.numQueries();
    return new Shape[] {new Shape(l, b, q, config.numClasses() + 1L), new Shape(l, b, q, 4)};
  }
}
