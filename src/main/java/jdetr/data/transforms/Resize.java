package jdetr.data.transforms;

import jdetr.data.Example;
import jdetr.data.PixelTarget;
import jdetr.data.RgbImage;
import jdetr.data.Sample;

/**
 * DETR's {@code resize}: image by {@link BilinearResampler}, boxes and areas by the size ratios,
 * masks by nearest interpolation ({@link jdetr.data.InstanceMasks#resize}).
 */
public final class Resize {
  private Resize() {}

  /** Resizes to short side {@code size} (long side at most {@code maxSize}, or {@link ResizeRule#NO_MAX}). */
  public static Example apply(Example in, int size, int maxSize) {
    int[] hw = ResizeRule.outputSize(in.image().width(), in.image().height(), size, maxSize);
    return to(in, hw[0], hw[1]);
  }

  /** Resizes to short side {@code size} and normalises, in one pass over the output. */
  public static Sample applyNormalized(Example in, int size, int maxSize, Normalize normalize) {
    int w = in.image().width(), h = in.image().height();
    int[] hw = ResizeRule.outputSize(w, h, size, maxSize);
    float[] pixels = BilinearResampler.resizeNormalized(in.image(), hw[1], hw[0], normalize);
    return new Sample(hw[0], hw[1], pixels,
        Normalize.target(target(in.target(), w, h, hw[1], hw[0])));
  }

  /** Resizes to exactly {@code height x width}. */
  public static Example to(Example in, int height, int width) {
    RgbImage image = BilinearResampler.resize(in.image(), width, height);
    return new Example(image, target(in.target(), in.image().width(), in.image().height(), width,
        height));
  }

  /**
   * Boxes times the float32 ratios (new / old per axis, computed in double as Python does), area
   * times the ratio product, masks resized by nearest interpolation; size becomes the new one.
   */
  public static PixelTarget target(PixelTarget t, int oldWidth, int oldHeight, int width,
      int height) {
    double ratioWidth = (double) width / oldWidth;
    double ratioHeight = (double) height / oldHeight;
    float rw = (float) ratioWidth, rh = (float) ratioHeight;
    float ra = (float) (ratioWidth * ratioHeight);
    float[] boxes = new float[t.boxes().length];
    for (int i = 0; i < boxes.length; i += 4) {
      boxes[i] = t.boxes()[i] * rw;
      boxes[i + 1] = t.boxes()[i + 1] * rh;
      boxes[i + 2] = t.boxes()[i + 2] * rw;
      boxes[i + 3] = t.boxes()[i + 3] * rh;
    }
    float[] area = new float[t.area().length];
    for (int i = 0; i < area.length; i++) area[i] = t.area()[i] * ra;
    return t.with(boxes, area, height, width,
        t.masks() == null ? null : t.masks().resize(height, width));
  }
}
