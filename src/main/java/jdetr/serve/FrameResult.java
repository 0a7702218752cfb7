package jdetr.serve;

import java.util.List;
import jdetr.eval.Detection;

/** What became of a frame: detections, or the reason it was rejected. */
public sealed interface FrameResult {

  /** The frame id. */
  long frame();

  /** Older frames of the same stream dropped in favour of this one since the previous result. */
  int superseded();

  /**
   * Detections of a processed frame, already filtered by the frame's threshold, best first.
   *
   * @param width decoded image width
   * @param height decoded image height
   * @param decodeMs time to decode the image
   * @param prepareMs time to turn the decoded image into model input (resize, normalise)
   * @param inferMs time the detector took for the whole batch
   * @param totalMs time from arrival of the message to the result
   * @param batchSize frames in the batch this frame ran in
   */
  record Detected(long frame, int superseded, int width, int height, List<Detection> detections,
      double decodeMs, double prepareMs, double inferMs, double totalMs, int batchSize) implements FrameResult {}

  /**
   * A frame that was not processed.
   *
   * @param code machine-readable code, one of the constants below
   * @param reason human-readable reason naming the offending part
   */
  record Rejected(long frame, int superseded, String code, String reason) implements FrameResult {}

  /** The bytes are not a complete, acceptable JPEG/PNG (see {@link jdetr.data.ImageDecoder}). */
  String IMAGE_REJECTED = "IMAGE_REJECTED";
  /** The message is not a frame (shorter than the 8-byte id plus an image). */
  String BAD_FRAME = "BAD_FRAME";
  /** A control message or parameter is malformed or out of range. */
  String BAD_REQUEST = "BAD_REQUEST";
  /** The detector failed on the batch holding this frame. */
  String DETECTOR_FAILED = "DETECTOR_FAILED";
  /** The detector is still loading. */
  String NOT_READY = "NOT_READY";
  /** The server is stopping. */
  String SHUTTING_DOWN = "SHUTTING_DOWN";
}
