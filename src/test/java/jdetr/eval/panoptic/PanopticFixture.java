package jdetr.eval.panoptic;

import ai.djl.ndarray.NDManager;
import jdetr.data.SyntheticPanoptic;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.ModelBuilder;
import jdetr.model.NoGrad;

/** A small random DETRsegm for panoptic tests. */
public final class PanopticFixture {
  private PanopticFixture() {}

  /**
   * DETRsegm-R18 (hidden 128, 8 queries) for the synthetic panoptic classes, its class logits
   * scaled up 200 times so that queries pass the 0.85 threshold.
   */
  public static DetectionTransformer peakedModel(NDManager m) {
    DetrConfig config = DetrConfig.builder().backbone("resnet18").hiddenDim(128).nheads(8)
        .encLayers(1).decLayers(2).dimFeedforward(64).numQueries(8)
        .numClasses(SyntheticPanoptic.NUM_CLASSES).masks(true).build();
    DetectionTransformer model = ModelBuilder.build(config, m);
    try (NoGrad g = NoGrad.enter()) {
      model.stateDict().get("class_embed.weight").muli(200);
      model.stateDict().get("class_embed.bias").muli(200);
    }
    return model;
  }
}
