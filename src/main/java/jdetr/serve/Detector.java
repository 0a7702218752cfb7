package jdetr.serve;

import java.awt.image.BufferedImage;
import java.util.List;
import jdetr.eval.Detection;

/**
 * What the server needs from a detection model. An implementation is created, used and closed on
 * the detector thread only (it may keep thread-bound native state such as libtorch's grad mode).
 */
public interface Detector extends AutoCloseable {

  /** Class names indexed by {@link Detection#label()}; labels without a class are named "N/A". */
  List<String> classNames();

  /**
   * Detects objects in a batch of decoded images.
   *
   * @param images decoded frames, {@link BufferedImage#TYPE_INT_RGB}, in their original size
   * @return per image, every candidate with its score in [0, 1] and its box in pixels of that
   *     image; the caller applies the score threshold
   */
  List<List<Detection>> detect(List<BufferedImage> images);

  /** A short description for logs and `GET /v1/info`, e.g. the checkpoint it was loaded from. */
  String description();

  @Override
  default void close() {}
}
