package jdetr.model;

import ai.djl.ndarray.NDArray;

/**
 * A backbone feature map with its padding mask.
 *
 * @param features [B, C, h, w]
 * @param mask [B, h, w] boolean, true = padding
 */
public record FeatureMap(NDArray features, NDArray mask) {}
