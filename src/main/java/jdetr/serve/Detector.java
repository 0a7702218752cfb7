package jdetr.serve;

import java.util.ArrayList;
import java.util.List;
import jdetr.data.RgbImage;
import jdetr.eval.Detection;

/**
 * What the server needs from a detection model, in two steps: {@link #prepare} turns one decoded
 * frame into model input (resize, normalise) on the decode threads, several frames at once, while
 * the model runs the previous batch; {@link #detect} runs the model on a batch of prepared frames
 * on the detector thread. An implementation is created, used for {@link #detect} and closed on the
 * detector thread only (it may keep thread-bound native state such as libtorch's grad mode).
 *
 * @param <I> one prepared frame
 */
public interface Detector<I> extends AutoCloseable {

  /** Class names indexed by {@link Detection#label()}; labels without a class are named "N/A". */
  List<String> classNames();

  /**
   * The model input of one decoded frame. Called on any thread, concurrently for several frames:
   * must be thread-safe and must not touch native (libtorch) state.
   */
  I prepare(RgbImage frame);

  /**
   * Detects objects in a batch of prepared frames; detector thread only.
   *
   * @return per frame, every candidate with its score in [0, 1] and its box in pixels of that
   *     frame as decoded; the caller applies the score threshold
   */
  List<List<Detection>> detect(List<I> frames);

  /** Prepares and detects on the calling thread (tools and tests). */
  default List<List<Detection>> detectFrames(List<RgbImage> frames) {
    List<I> prepared = new ArrayList<>(frames.size());
    for (RgbImage frame : frames) {
      prepared.add(prepare(frame));
    }
    return detect(prepared);
  }

  /** A short description for logs and `GET /v1/info`, e.g. the checkpoint it was loaded from. */
  String description();

  @Override
  default void close() {}
}
