package jdetr.model.deformable;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import jdetr.autograd.GraphSafe;
import jdetr.model.Backbone;
import jdetr.model.DeformableOptions;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.DetrOutput;
import jdetr.model.FeatureMap;
import jdetr.model.Joiner;
import jdetr.model.Mlp;
import jdetr.model.PaddingMask;
import jdetr.model.PositionEmbeddingLearned;
import jdetr.model.PositionEmbeddingSine;
import jdetr.model.StateDict;
import jdetr.model.nn.Embedding;
import jdetr.model.nn.Linear;
import jdetr.model.nn.ModuleList;
import jdetr.model.nn.TorchInit;

/**
 * Deformable DETR: multi-scale backbone features (stages 2-4, strides 8/16/32, plus stride-2
 * convolutions for further levels), each projected to the transformer width
 * ({@code input_proj.N}), sine positions with the -0.5 pixel-centre offset, the deformable
 * transformer, and per-decoder-layer heads: a linear class head with {@code num_classes} sigmoid
 * outputs (no no-object class; bias -log((1 - 0.01) / 0.01)) and a 3-layer box MLP whose output is
 * added to the inverse sigmoid of the layer's reference before the sigmoid (last layer zero, size
 * bias -2). The heads are one module shared by every layer, or one per layer with iterative box
 * refinement (two-stage adds one for the encoder proposals).
 *
 * <p>Parameter names equal the reference state_dict keys, shared heads listed under every index
 * ({@code class_embed.0 … class_embed.5}) as in the reference.
 */
public final class DeformableDetr extends DetectionTransformer {

  private static final float PRIOR_PROB = 0.01f;
  private static final String LABEL_ENC = "label_enc.weight";

  private final DetrConfig config;
  private final DeformableOptions options;
  private final DeformableTransformer transformer;
  private final ModuleList<Linear> classEmbed;
  private final ModuleList<Mlp> bboxEmbed;
  private final Embedding queryEmbed;
  private final Embedding labelEnc;
  private final ModuleList<InputProjection> inputProj;
  private final Joiner backbone;

  public DeformableDetr(DetrConfig config) {
    if (!config.isDeformable()) {
      throw new IllegalArgumentException("DeformableDetr built from a DETR config");
    }
    this.config = config;
    options = config.deformable();
    int d = config.hiddenDim();
    int levels = options.numFeatureLevels();
    boolean twoStage = options.twoStage();
    transformer = child("transformer", new DeformableTransformer(d, config.nheads(),
        config.encLayers(), config.decLayers(), config.dimFeedforward(), (float) config.dropout(),
        levels, options.decNPoints(), options.encNPoints(), twoStage, config.numQueries(), true));
    int numPred = config.decLayers() + (twoStage ? 1 : 0);
    if (options.withBoxRefine()) {
      List<Linear> classes = new ArrayList<>();
      List<Mlp> boxes = new ArrayList<>();
      for (int i = 0; i < numPred; i++) {
        classes.add(classHead(d, config.numClasses()));
        boxes.add(boxHead(d, i == 0 && !twoStage ? -2f : 0f));
      }
      classEmbed = child("class_embed", new ModuleList<>(classes));
      bboxEmbed = child("bbox_embed", new ModuleList<>(boxes));
      transformer.decoder().refineBoxesWith(bboxEmbed);
      if (options.lookForwardTwice()) {
        transformer.decoder().lookForwardTwice();
      }
    } else {
      classEmbed = child("class_embed",
          ModuleList.shared(classHead(d, config.numClasses()), numPred));
      bboxEmbed = child("bbox_embed", ModuleList.shared(boxHead(d, twoStage ? 0f : -2f), numPred));
    }
    if (twoStage) {
      transformer.decoder().listClassHeads(classEmbed);
      transformer.useProposalHeads(classEmbed.get(numPred - 1), bboxEmbed.get(numPred - 1));
      if (options.mixedQuerySelection()) {
        transformer.learnContentQueries(config.numQueries() + options.oneToMany().queries());
      }
      if (options.distinctQueryIou() > 0) {
        transformer.selectDistinctQueries(options.distinctQueryIou());
      }
      queryEmbed = null;
    } else {
      queryEmbed = child("query_embed", new Embedding(config.numQueries(), 2L * d, true));
    }
    labelEnc = options.denoising().enabled()
        ? child("label_enc", new Embedding(config.numClasses(), d, true)) : null;
    int deepest = config.backboneStages();
    List<Integer> stages = levels > 1
        ? IntStream.rangeClosed(2, deepest).boxed().toList() : List.of(deepest); // C3..C_{N+1}
    Backbone body = new Backbone(config.backbone(), config.trainBackbone(), config.dilation(),
        stages, config.backboneNorm());
    List<Long> channels = body.channels();
    List<InputProjection> projections = new ArrayList<>();
    for (long c : channels) {
      projections.add(InputProjection.pointwise(c, d, true));
    }
    long in = channels.get(channels.size() - 1);
    for (int l = channels.size(); l < levels; l++) {
      projections.add(InputProjection.downsampling(in, d, true));
      in = d;
    }
    inputProj = child("input_proj", new ModuleList<>(projections));
    backbone = child("backbone", switch (config.positionEmbedding()) {
      case SINE -> new Joiner(body, PositionEmbeddingSine.deformable(d / 2));
      case LEARNED -> new Joiner(body, new PositionEmbeddingLearned(d / 2, true));
    });
  }

  private static Linear classHead(int d, int numClasses) {
    float bias = (float) -Math.log((1 - PRIOR_PROB) / PRIOR_PROB);
    return new Linear(d, numClasses, TorchInit.torchDefault(d), TorchInit.constant(bias), true);
  }

  /** The box MLP: last layer weight 0, bias (0, 0, size, size). */
  private static Mlp boxHead(int d, float sizeBias) {
    Initializer bias = (m, shape, type) ->
        GraphSafe.create(m, new float[] {0f, 0f, sizeBias, sizeBias}, shape);
    return new Mlp(d, d, 4, 3, TorchInit.constant(0f), bias, true);
  }

  /**
   * Builds a Deformable DETR and fills its parameters with the reference's random initialisation
   * (seed it with {@code Engine.getInstance().setRandomSeed}); per-layer heads start as copies of
   * the first, as the reference's clones do (the first box head alone keeps its size bias -2).
   */
  public static DeformableDetr create(DetrConfig config, NDManager manager) {
    DeformableDetr model = new DeformableDetr(config);
    model.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 64, 64), new Shape(1, 64, 64));
    if (model.options.withBoxRefine()) {
      for (int i = 1; i < model.classEmbed.size(); i++) {
        copy(model.classEmbed.get(0).namedParameters(), model.classEmbed.get(i).namedParameters(),
            null);
        copy(model.bboxEmbed.get(0).namedParameters(), model.bboxEmbed.get(i).namedParameters(),
            "layers.2.bias");
      }
    }
    return model;
  }

  private static void copy(Map<String, Parameter> from, Map<String, Parameter> to, String skip) {
    from.forEach((name, p) -> {
      if (!name.equals(skip)) {
        to.get(name).getArray().set(p.getArray().toByteBuffer());
      }
    });
  }

  /** The decoder layers' predictions and, two-stage, the encoder proposals'. */
  @Override
  public DetrOutput forward(NDArray images, NDArray mask, boolean training) {
    return forward(multiScaleFeatures(images, mask, training), training);
  }

  /**
   * The transformer's inputs: every level's projected features, padding mask and positions.
   *
   * @param srcs per level [B, C, H_l, W_l]
   * @param masks per level [B, H_l, W_l] boolean, true = padding
   * @param positions per level [B, C, H_l, W_l]
   */
  public record MultiScaleFeatures(List<NDArray> srcs, List<NDArray> masks,
      List<NDArray> positions) {}

  /**
   * The multi-scale features of a padded batch (backbone, input projections, positions).
   *
   * @param training a trained BatchNorm2d backbone uses batch statistics
   */
  public MultiScaleFeatures multiScaleFeatures(NDArray images, NDArray mask, boolean training) {
    Joiner.Output features = backbone.forward(images, mask, training);
    List<NDArray> srcs = new ArrayList<>();
    List<NDArray> masks = new ArrayList<>();
    List<NDArray> pos = new ArrayList<>(features.positions());
    List<FeatureMap> maps = features.maps();
    // the transformer runs in float32: a no-op unless InferenceCast made the backbone bfloat16
    List<NDArray> fmaps = maps.stream().map(m -> m.features().toType(DataType.FLOAT32, false)).toList();
    for (int l = 0; l < maps.size(); l++) {
      srcs.add(inputProj.get(l).forward(fmaps.get(l)));
      masks.add(maps.get(l).mask());
    }
    for (int l = maps.size(); l < options.numFeatureLevels(); l++) {
      NDArray below = l == maps.size() ? fmaps.get(maps.size() - 1) : srcs.get(l - 1);
      NDArray src = inputProj.get(l).forward(below); // [B, C, h, w]
      NDArray m = PaddingMask.downsample(mask, src.getShape().get(2), src.getShape().get(3));
      srcs.add(src);
      masks.add(m);
      pos.add(backbone.positionEmbedding().encode(new FeatureMap(src, m)));
    }
    return new MultiScaleFeatures(srcs, masks, pos);
  }

  /** The transformer and heads on features already computed by {@link #multiScaleFeatures}. */
  public DetrOutput forward(MultiScaleFeatures features, boolean training) {
    return heads(transform(features, training));
  }

  /**
   * A training forward with denoising queries (the config's {@code denoising}) and one-to-many
   * queries (its {@code one_to_many}): the one-to-one queries' predictions, which neither of the
   * other groups can change ({@link QueryGroups}), the denoising queries' in
   * {@link DetrOutput#dnLogits()} and {@link DetrOutput#dnBoxes()}, the one-to-many queries' in
   * {@link DetrOutput#oneToManyLogits()} and {@link DetrOutput#oneToManyBoxes()}. Without either
   * (no denoising queries, or none because no image has a target, and no one-to-many queries)
   * this is {@code forward(images, mask, true)}.
   */
  public DetrOutput forward(NDArray images, NDArray mask, DenoisingQueries dn) {
    int many = options.oneToMany().queries();
    boolean denoising = dn != null && dn.perImage() > 0;
    if (!denoising && many == 0) {
      return forward(images, mask, true);
    }
    if (denoising && labelEnc == null) {
      throw new IllegalStateException("denoising queries given to a model built without denoising");
    }
    MultiScaleFeatures f = multiScaleFeatures(images, mask, true);
    NDManager m = images.getManager();
    int q = config.numQueries();
    QueryGroups groups = new QueryGroups(q, many, denoising ? dn.groups() : 0,
        denoising ? dn.slots() : 0);
    int n = groups.total();
    NDArray selfAttnBias = GraphSafe.create(m, groups.selfAttentionBias(), new Shape(1, 1, n, n));
    DeformableTransformer.DenoisingInput input = null;
    if (denoising) {
      int b = dn.images();
      int d = dn.perImage();
      int k = config.numClasses();
      NDArray content = GraphSafe.create(m, dn.oneHotLabels(k), new Shape(b, d, k))
          .matMul(labelEnc.table()); // [B, D, C], padding all zero
      NDArray boxes = GraphSafe.create(m, dn.boxes(), new Shape(b, d, 4)); // cxcywh
      input = new DeformableTransformer.DenoisingInput(content, boxes, selfAttnBias);
    }
    DeformableTransformer.Output t = transformer.forward(f.srcs(), f.masks(), f.positions(), null,
        many, input, selfAttnBias, true);
    DetrOutput all = heads(t); // [L, B, Q + N + D, ...]
    String oneToOne = ":, :, :" + q;
    String oneToMany = ":, :, " + q + ":" + (q + many);
    String denoised = ":, :, " + (q + many) + ":";
    return new DetrOutput(all.logits().get(oneToOne), all.boxes().get(oneToOne),
        all.encLogits(), all.encBoxes(),
        denoising ? all.logits().get(denoised) : null, denoising ? all.boxes().get(denoised) : null,
        null, many > 0 ? all.logits().get(oneToMany) : null,
        many > 0 ? all.boxes().get(oneToMany) : null);
  }

  /** The deformable transformer on the multi-scale features. */
  public DeformableTransformer.Output transform(MultiScaleFeatures f, boolean training) {
    return transformer.forward(f.srcs(), f.masks(), f.positions(),
        queryEmbed == null ? null : queryEmbed.table(), training);
  }

  /** The class and box heads on every decoder layer of the transformer output. */
  public DetrOutput heads(DeformableTransformer.Output t) {
    NDList logits = new NDList();
    NDList boxes = new NDList();
    for (int lvl = 0; lvl < t.states().size(); lvl++) {
      NDArray reference = lvl == 0 ? t.initReference() : t.references().get(lvl - 1);
      NDArray inverse = InverseSigmoid.of(reference); // [B, Q, 2|4]
      NDArray state = t.states().get(lvl); // [B, Q, C]
      logits.add(classEmbed.get(lvl).forward(state));
      NDArray delta = bboxEmbed.get(lvl).forward(state); // [B, Q, 4]
      NDArray unact = reference.getShape().get(2) == 4 ? delta.add(inverse)
          : NDArrays.concat(new NDList(delta.get("..., :2").add(inverse), delta.get("..., 2:")),
              -1);
      boxes.add(Activation.sigmoid(unact));
    }
    NDArray encBoxes = t.encBoxesUnact() == null ? null : Activation.sigmoid(t.encBoxesUnact());
    return new DetrOutput(NDArrays.stack(logits, 0), NDArrays.stack(boxes, 0), t.encLogits(),
        encBoxes);
  }

  /**
   * With denoising, a state dict without {@code label_enc} (the reference's models have none), or
   * with one of another class count, keeps the fresh label embedding when the class head may be
   * re-initialised.
   */
  @Override
  public StateDict.LoadReport loadStateDict(Map<String, NDArray> state,
      boolean allowClassHeadReset) {
    NDArray labels = state.get(LABEL_ENC);
    if (labelEnc != null && allowClassHeadReset
        && (labels == null || !labels.getShape().equals(labelEnc.table().getShape()))) {
      state = new LinkedHashMap<>(state);
      state.put(LABEL_ENC, labelEnc.table());
    }
    return StateDict.load(this, state, allowClassHeadReset ? classEmbed : null, "class_embed",
        key -> key.startsWith("class_embed.") || key.startsWith("transformer.decoder.class_embed."));
  }

  @Override
  public DetrConfig config() {
    return config;
  }

  @Override
  public Joiner backbone() {
    return backbone;
  }

  public DeformableTransformer transformer() {
    return transformer;
  }

  /** The class heads, one per prediction (the same module repeated unless refining boxes). */
  public ModuleList<Linear> classEmbed() {
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
    return new Shape[] {new Shape(l, b, q, config.numClasses()), new Shape(l, b, q, 4)};
  }
}
