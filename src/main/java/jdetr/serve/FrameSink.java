package jdetr.serve;

import java.util.List;

/** Where the server hands frames for detection; implemented by {@link DetectionService}. */
public interface FrameSink {

  /** True once the detector is loaded. */
  boolean ready();

  /** Class names by label (empty until ready). */
  List<String> classNames();

  /** What detector runs (empty until ready). */
  String description();

  /**
   * Queues a frame of a stream, replacing the stream's waiting frame if there is one. The frame's
   * reply is called exactly once unless the frame is dropped.
   *
   * @return true if a waiting frame was dropped for this one
   */
  boolean submit(long stream, Frame frame);

  /** The stream closed: its waiting frame, if any, is dropped. */
  void streamClosed(long stream);
}
