package jdetr.train;

import java.io.PrintStream;
import java.nio.file.Path;
import jdetr.engine.TrainableParameters;
import jdetr.model.DetectionTransformer;
import jdetr.model.segmentation.DETRsegm;

/**
 * The reference's {@code --frozen_weights}: a DETRsegm whose detector came from a trained
 * checkpoint is frozen ({@code for p in model.detr.parameters(): p.requires_grad_(False)}), so
 * only {@code bbox_attention} and {@code mask_head} get gradients and optimizer state.
 */
final class FrozenDetector {

  private FrozenDetector() {}

  /**
   * @param detr the run's model, loaded from {@code source}
   * @throws IllegalArgumentException when the model is not a DETRsegm
   */
  static void freeze(DetectionTransformer detr, Path source, PrintStream progress) {
    if (!(detr instanceof DETRsegm segm)) {
      throw new IllegalArgumentException("recipe frozen_weights " + source + ": Frozen training is"
          + " meant for segmentation only (model.masks must be true)");
    }
    segm.freezeDetector();
    progress.printf("frozen_weights %s: detector frozen, %d parameters train (the mask head)%n",
        source, TrainableParameters.count(segm));
  }
}
