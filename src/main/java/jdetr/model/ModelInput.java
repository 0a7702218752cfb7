package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import jdetr.data.Batch;

/**
 * A collated batch as the model takes it.
 *
 * @param images [B, 3, H, W] float32, normalised, zero-padded
 * @param mask [B, H, W] boolean, true = padding
 */
public record ModelInput(NDArray images, NDArray mask) {

  /** Copies {@code batch}'s pixels and padding mask into arrays on {@code manager}. */
  public static ModelInput of(Batch batch, NDManager manager) {
    NDArray images = manager.create(batch.pixels(), new Shape(batch.size(), 3, batch.height(), batch.width()));
    NDArray mask = manager.create(batch.mask(), new Shape(batch.size(), batch.height(), batch.width()));
    return new ModelInput(images, mask);
  }
}
