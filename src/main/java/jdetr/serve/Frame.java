package jdetr.serve;

import java.util.function.Consumer;

/**
 * One image sent for detection, as received.
 *
 * @param id the client's frame id (WebSocket) or a request number (HTTP)
 * @param data buffer holding the encoded image at {@code offset}, {@code length} bytes
 * @param threshold score threshold for the reported detections
 * @param receivedNanos {@link System#nanoTime()} when the message arrived
 * @param reply receives the result, on the detector thread
 */
public record Frame(long id, byte[] data, int offset, int length, double threshold, long receivedNanos,
    Consumer<FrameResult> reply) {}
