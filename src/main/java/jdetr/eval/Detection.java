package jdetr.eval;

import jdetr.mask.Rle;

/**
 * One detected object in pixels of the original image.
 *
 * @param label class index (raw COCO category id for COCO-trained models)
 * @param score confidence in [0, 1]
 * @param x0 left
 * @param y0 top
 * @param x1 right
 * @param y1 bottom
 * @param mask the object's mask on the original image ({@link PostProcessSegm}), or null when the
 *     model predicts no masks
 */
public record Detection(int label, float score, float x0, float y0, float x1, float y1, Rle mask) {

  /** A detection without a mask. */
  public Detection(int label, float score, float x0, float y0, float x1, float y1) {
    this(label, score, x0, y0, x1, y1, null);
  }

  /** This detection with {@code mask}. */
  public Detection withMask(Rle newMask) {
    return new Detection(label, score, x0, y0, x1, y1, newMask);
  }
}
