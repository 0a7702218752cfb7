package jdetr.model.deformable;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import jdetr.model.Mlp;
import jdetr.model.nn.Embedding;
import jdetr.model.nn.LayerNorm;
import jdetr.model.nn.Linear;
import jdetr.model.nn.ModuleList;
import jdetr.model.nn.TorchBlock;
import jdetr.model.nn.TorchInit;

/**
 * Deformable DETR's transformer: the multi-scale feature maps are flattened into one token
 * sequence (positions plus a learned per-level embedding {@code level_embed}), encoded by
 * deformable self-attention, and decoded by queries whose initial reference points are
 * {@code sigmoid(reference_points(query_pos))}; or, two-stage, the top-scoring encoder proposals
 * (their boxes as reference, their sine embedding through {@code pos_trans} as query position and
 * content; with mixed query selection the content is the learned {@code tgt_embed} instead; with
 * distinct query selection the proposals left after a non-maximum suppression).
 * Weight matrices are Xavier-uniform, as the reference's {@code _reset_parameters}.
 */
public final class DeformableTransformer extends TorchBlock {

  /**
   * @param states every decoder layer's output, [N, Q, C] each
   * @param initReference [N, Q, 2] initial reference points ([N, Q, 4] boxes two-stage)
   * @param references every decoder layer's reference after it, [N, Q, 2|4] each
   * @param encLogits two-stage: [N, S, K] class logits of the encoder proposals, else null
   * @param encBoxesUnact two-stage: [N, S, 4] proposal boxes before the sigmoid, else null
   * @param memory [N, S, C] the encoder output
   */
  public record Output(List<NDArray> states, NDArray initReference, List<NDArray> references,
      NDArray encLogits, NDArray encBoxesUnact, NDArray memory) {}

  /**
   * Denoising queries appended after the matching queries (two-stage only).
   *
   * @param content [N, D, C] added to the content the query boxes give
   * @param boxes [N, D, 4] cxcywh in [0, 1], the queries' reference boxes
   * @param selfAttnBias [1, 1, Q + D, Q + D] additive self-attention bias, -inf where blocked
   *     (with one-to-many queries the caller passes the whole mask on its own)
   */
  public record DenoisingInput(NDArray content, NDArray boxes, NDArray selfAttnBias) {}

  private final int dModel;
  private final int numQueries;
  private final DeformableEncoder encoder;
  private final DeformableDecoder decoder;
  private final Parameter levelEmbed;
  private final Linear referencePoints;
  private final Linear encOutput;
  private final LayerNorm encOutputNorm;
  private final Linear posTrans;
  private final LayerNorm posTransNorm;
  private Linear proposalClassHead;
  private Mlp proposalBoxHead;
  private Embedding tgtEmbed;
  private double distinctQueryIou;

  /**
   * @param numQueries the decoder's query count (two-stage: the number of proposals kept)
   */
  public DeformableTransformer(int dModel, int nhead, int encLayers, int decLayers, int dFfn,
      float dropout, int levels, int decPoints, int encPoints, boolean twoStage, int numQueries,
      boolean trainable) {
    this.dModel = dModel;
    this.numQueries = numQueries;
    encoder = child("encoder", new DeformableEncoder(encLayers, dModel, dFfn, dropout, levels,
        nhead, encPoints, trainable));
    decoder = child("decoder", new DeformableDecoder(decLayers, dModel, dFfn, dropout, levels,
        nhead, decPoints, trainable));
    levelEmbed = param("level_embed", Parameter.Type.WEIGHT, new Shape(levels, dModel),
        TorchInit.normal(0f, 1f), trainable);
    if (twoStage) {
      referencePoints = null;
      encOutput = child("enc_output", new Linear(dModel, dModel, TorchInit.xavierUniform(),
          TorchInit.torchDefault(dModel), trainable));
      encOutputNorm = child("enc_output_norm", new LayerNorm(dModel, trainable));
      posTrans = child("pos_trans", new Linear(2L * dModel, 2L * dModel,
          TorchInit.xavierUniform(), TorchInit.torchDefault(2L * dModel), trainable));
      posTransNorm = child("pos_trans_norm", new LayerNorm(2L * dModel, trainable));
    } else {
      referencePoints = child("reference_points", new Linear(dModel, 2, TorchInit.xavierUniform(),
          TorchInit.constant(0f), trainable));
      encOutput = null;
      encOutputNorm = null;
      posTrans = null;
      posTransNorm = null;
    }
  }

  /** Two-stage: the heads that score and regress the encoder proposals (the detector's last). */
  void useProposalHeads(Linear classHead, Mlp boxHead) {
    proposalClassHead = classHead;
    proposalBoxHead = boxHead;
  }

  /**
   * Two-stage with mixed query selection (DINO): the content queries are the first rows of a
   * learned {@code tgt_embed} table of {@code count} rows (matching and one-to-many queries), the
   * proposals give only positions and boxes.
   */
  void learnContentQueries(int count) {
    tgtEmbed = child("tgt_embed", new Embedding(count, dModel, true));
  }

  /**
   * Two-stage with distinct query selection (DDQ): the queries are the top proposals that survive
   * a class-agnostic non-maximum suppression at {@code iou} ({@link DistinctQueries}).
   */
  void selectDistinctQueries(double iou) {
    distinctQueryIou = iou;
  }

  public DeformableDecoder decoder() {
    return decoder;
  }

  public boolean twoStage() {
    return encOutput != null;
  }

  /**
   * @param srcs per level [N, C, H_l, W_l] projected features
   * @param masks per level [N, H_l, W_l] boolean, true = padding
   * @param posEmbeds per level [N, C, H_l, W_l]
   * @param queryEmbed [Q, 2C] query positions then contents; null two-stage
   */
  public Output forward(List<NDArray> srcs, List<NDArray> masks, List<NDArray> posEmbeds,
      NDArray queryEmbed, boolean training) {
    return forward(srcs, masks, posEmbeds, queryEmbed, null, training);
  }

  /**
   * As {@link #forward(List, List, List, NDArray, boolean)}, the decoder also running the
   * denoising queries {@code dn} (two-stage; null for none) after the Q matching queries: the
   * output's states and references then hold Q + D queries.
   */
  public Output forward(List<NDArray> srcs, List<NDArray> masks, List<NDArray> posEmbeds,
      NDArray queryEmbed, DenoisingInput dn, boolean training) {
    return forward(srcs, masks, posEmbeds, queryEmbed, 0, dn,
        dn == null ? null : dn.selfAttnBias(), training);
  }

  /**
   * As {@link #forward(List, List, List, NDArray, DenoisingInput, boolean)} with
   * {@code oneToMany} more queries (two-stage): the next top-scoring proposals after the Q
   * one-to-one queries', decoded between those and the denoising queries ({@link QueryGroups}).
   *
   * @param selfAttnBias [1, 1, Q + N + D, Q + N + D] additive bias (-inf = blocked), or null
   */
  public Output forward(List<NDArray> srcs, List<NDArray> masks, List<NDArray> posEmbeds,
      NDArray queryEmbed, int oneToMany, DenoisingInput dn, NDArray selfAttnBias,
      boolean training) {
    if ((dn != null || oneToMany > 0) && !twoStage()) {
      throw new IllegalArgumentException(
          "denoising and one-to-many queries need the two-stage transformer");
    }
    FeatureLevels levels = FeatureLevels.of(srcs);
    NDList srcFlat = new NDList();
    NDList maskFlat = new NDList();
    NDList posFlat = new NDList();
    long n = srcs.get(0).getShape().get(0);
    for (int l = 0; l < srcs.size(); l++) {
      long hw = (long) levels.height(l) * levels.width(l);
      srcFlat.add(srcs.get(l).reshape(n, dModel, hw).transpose(0, 2, 1)); // [N, HW, C]
      maskFlat.add(masks.get(l).reshape(n, hw)); // [N, HW]
      NDArray level = onManagerOf(srcs.get(l), levelEmbed.getArray().get(l)).reshape(1, 1, dModel); // [1, 1, C]
      posFlat.add(posEmbeds.get(l).reshape(n, dModel, hw).transpose(0, 2, 1).add(level));
    }
    NDArray src = NDArrays.concat(srcFlat, 1); // [N, S, C]
    NDArray mask = NDArrays.concat(maskFlat, 1); // [N, S]
    NDArray pos = NDArrays.concat(posFlat, 1); // [N, S, C]
    NDArray validRatios = ValidRatios.of(masks); // [N, L, 2]
    NDArray memory = encoder.forward(src, pos, levels, validRatios, mask, training);

    NDArray queryPos;
    NDArray tgt;
    NDArray reference;
    NDArray encLogits = null;
    NDArray encBoxes = null;
    if (twoStage()) {
      TwoStageProposals.Output p = TwoStageProposals.of(memory, mask, levels);
      NDArray outputMemory = encOutputNorm.forward(encOutput.forward(p.memory()));
      encLogits = proposalClassHead.forward(outputMemory); // [N, S, K]
      encBoxes = proposalBoxHead.forward(outputMemory).add(p.proposals()); // [N, S, 4]
      long tokens = encLogits.getShape().get(1);
      if (numQueries + oneToMany > tokens) {
        throw new IllegalArgumentException("two-stage: " + numQueries + " queries + " + oneToMany
            + " one-to-many queries need as many encoder proposals, the images give " + tokens
            + " (model.num_queries, model.deformable.one_to_many.queries)");
      }
      NDArray scores = encLogits.get("..., 0").stopGradient(); // [N, S]
      NDArray top = distinctQueryIou > 0
          ? DistinctQueries.indices(scores, encBoxes, numQueries + oneToMany, distinctQueryIou)
          : scores.topK(numQueries + oneToMany, 1, true, true).get(1); // [N, Q + N1], sorted
      NDArray topBoxes = encBoxes.stopGradient()
          .gather(top.expandDims(2).repeat(2, 4), 1); // [N, Q + N1, 4] detached
      reference = Activation.sigmoid(topBoxes);
      NDArray posTransOut = posTransNorm.forward(
          posTrans.forward(TwoStageProposals.positionEmbedding(topBoxes, dModel / 2)));
      queryPos = posTransOut.get("..., :{}", dModel); // [N, Q, C]
      if (tgtEmbed != null) {
        int kept = numQueries + oneToMany;
        tgt = tgtEmbed.firstRows(kept, src).expandDims(0).broadcast(n, kept, dModel); // [N, Q, C]
      } else {
        tgt = posTransOut.get("..., {}:", dModel);
      }
      if (dn != null) { // the noised boxes stand where the proposals stand
        NDArray dnPos = posTransNorm.forward(posTrans.forward(TwoStageProposals.positionEmbedding(
            InverseSigmoid.of(dn.boxes()), dModel / 2))); // [N, D, 2C]
        queryPos = NDArrays.concat(new NDList(queryPos, dnPos.get("..., :{}", dModel)), 1);
        tgt = NDArrays.concat(
            new NDList(tgt, dnPos.get("..., {}:", dModel).add(dn.content())), 1); // [N, Q + D, C]
        reference = NDArrays.concat(new NDList(reference, dn.boxes()), 1); // [N, Q + D, 4]
      }
    } else {
      long q = queryEmbed.getShape().get(0);
      NDArray embed = onManagerOf(src, queryEmbed.expandDims(0)); // [1, Q, 2C]
      queryPos = embed.get(":, :, :{}", dModel).broadcast(n, q, dModel);
      tgt = embed.get(":, :, {}:", dModel).broadcast(n, q, dModel);
      reference = Activation.sigmoid(referencePoints.forward(queryPos)); // [N, Q, 2]
    }
    DeformableDecoder.Output d = decoder.forward(tgt, reference, memory, levels, validRatios,
        queryPos, mask, selfAttnBias, training);
    return new Output(d.states(), reference, new ArrayList<>(d.references()), encLogits,
        encBoxes, memory);
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    throw new UnsupportedOperationException("call forward with the per-level lists");
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }
}
