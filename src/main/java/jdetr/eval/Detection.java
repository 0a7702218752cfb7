package jdetr.eval;

/**
 * One detected object in pixels of the original image.
 *
 * @param label class index (raw COCO category id for COCO-trained models)
 * @param score confidence in [0, 1]
 * @param x0 left
 * @param y0 top
 * @param x1 right
 * @param y1 bottom
 */
public record Detection(int label, float score, float x0, float y0, float x1, float y1) {}
