package jdetr.model;

import ai.djl.ndarray.NDArray;

/** Absolute 2-D position encodings of a feature map, [B, hidden_dim, h, w]. */
public interface PositionEmbedding {

  /**
   * @param map the feature map ([B, C, h, w]) and its padding mask ([B, h, w])
   * @return [B, 2 * numPosFeats, h, w] on the feature map's manager
   */
  NDArray encode(FeatureMap map);
}
