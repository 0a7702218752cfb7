package jdetr.data;

/**
 * One transformed image, ready to batch.
 *
 * @param height unpadded image height
 * @param width unpadded image width
 * @param pixels [3, height, width] float32, normalised with the ImageNet mean and std
 * @param target boxes in normalised cxcywh of this image
 */
public record Sample(int height, int width, float[] pixels, Target target) {
  public Sample {
    if (pixels.length != 3 * height * width) {
      throw new IllegalArgumentException("sample " + target.imageId() + ": " + pixels.length
          + " values for [3, " + height + ", " + width + "]");
    }
  }
}
