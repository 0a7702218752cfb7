package jdetr.verticles;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import jdetr.serve.ControlMessage;
import jdetr.serve.DetectionJson;
import jdetr.serve.Frame;
import jdetr.serve.FrameResult;
import jdetr.serve.FrameSink;
import jdetr.serve.ServeConfig;
import jdetr.serve.ServeMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket stream on its event loop: binary messages (8-byte big-endian frame id + JPEG/PNG)
 * go to the detector, results come back as JSON text; text messages are control messages.
 *
 * <p>Close codes: 1009 message too big, 1008 slow reader (outbound queue full for {@code
 * slowReaderSeconds}), 1000 idle timeout, 1001 server stopping. While the outbound queue is full,
 * results are dropped and added to the next delivered message's {@code dropped_since_last}.
 */
final class StreamSession {

  private static final Logger LOG = LoggerFactory.getLogger(StreamSession.class);

  private final long id;
  private final ServerWebSocket ws;
  private final Vertx vertx;
  private final Context context;
  private final ServeConfig config;
  private final FrameSink sink;
  private final ServeMetrics metrics;
  private final DetectionJson json;
  private final ControlMessage.Parser parser;
  private final Runnable onClosed;

  private double threshold;
  private boolean closed;
  private int undelivered;
  private long lastMessageNanos = System.nanoTime();
  private long idleTimer = -1;
  private long slowTimer = -1;

  StreamSession(long id, ServerWebSocket ws, Vertx vertx, ServeConfig config, FrameSink sink,
      ServeMetrics metrics, double threshold, Runnable onClosed) {
    this.id = id;
    this.ws = ws;
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.config = config;
    this.sink = sink;
    this.metrics = metrics;
    this.json = new DetectionJson(sink.classNames());
    this.parser = new ControlMessage.Parser(config.maxJsonDepth(), config.maxJsonStringLength(),
        config.maxJsonNumberLength());
    this.threshold = threshold;
    this.onClosed = onClosed;
  }

  void start() {
    ws.setWriteQueueMaxSize(config.writeQueueBytes());
    ws.binaryMessageHandler(this::onFrame);
    ws.textMessageHandler(this::onText);
    ws.exceptionHandler(this::onException);
    ws.drainHandler(v -> cancelSlowTimer());
    ws.closeHandler(v -> onClose());
    long idleMs = config.idleTimeoutSeconds() * 1000L;
    idleTimer = vertx.setPeriodic(Math.max(100, Math.min(1000, idleMs / 4)), t -> checkIdle(idleMs));
  }

  /** Closes the stream with a code and reason (no-op once closed). */
  void close(int code, String reason) {
    if (!closed) {
      closed = true;
      metrics.closed(code);
      ws.close((short) code, reason);
    }
  }

  private void onFrame(Buffer message) {
    lastMessageNanos = System.nanoTime();
    metrics.frameIn();
    if (message.length() <= Long.BYTES) {
      metrics.rejected(FrameResult.BAD_FRAME);
      send(DetectionJson.error(null, FrameResult.BAD_FRAME, "a binary message of " + message.length()
          + " bytes is too short: expected an 8-byte big-endian frame id followed by a JPEG or PNG"));
      return;
    }
    long frameId = message.getLong(0);
    if (!sink.ready()) {
      metrics.rejected(FrameResult.NOT_READY);
      send(DetectionJson.error(frameId, FrameResult.NOT_READY, "frame " + frameId + ": the detector is not ready"));
      return;
    }
    byte[] bytes = message.getBytes();
    sink.submit(id, new Frame(frameId, bytes, Long.BYTES, bytes.length - Long.BYTES, threshold,
        lastMessageNanos, result -> context.runOnContext(v -> deliver(result))));
  }

  private void onText(String text) {
    lastMessageNanos = System.nanoTime();
    try {
      ControlMessage control = parser.parse(text);
      threshold = control.threshold();
      send(DetectionJson.controlApplied(control));
    } catch (ControlMessage.BadControlMessageException e) {
      send(DetectionJson.error(null, FrameResult.BAD_REQUEST, e.getMessage()));
    }
  }

  private void deliver(FrameResult result) {
    if (closed) {
      return;
    }
    if (queueFull()) {
      if (closed) {
        return;
      }
      undelivered++;
      metrics.undelivered();
      startSlowTimer();
      return;
    }
    ws.writeTextMessage(json.streamMessage(result, undelivered));
    undelivered = 0;
  }

  /** Sends a message that is not a frame result; dropped if the outbound queue is full. */
  private void send(String text) {
    if (!closed && !queueFull()) {
      ws.writeTextMessage(text);
    }
  }

  /** Whether the outbound queue is full; a socket closed under us counts as full (and closed). */
  private boolean queueFull() {
    try {
      return ws.writeQueueFull();
    } catch (IllegalStateException alreadyClosed) {
      closed = true;
      return true;
    }
  }

  private void startSlowTimer() {
    if (slowTimer >= 0) {
      return;
    }
    slowTimer = vertx.setTimer(config.slowReaderSeconds() * 1000L, t -> {
      slowTimer = -1;
      if (!closed && queueFull() && !closed) {
        metrics.slowConsumer();
        LOG.info("stream {}: closing a slow reader (results not read for {} s)", id, config.slowReaderSeconds());
        close(1008, "slow reader: results not read for " + config.slowReaderSeconds() + " s");
      }
    });
  }

  private void cancelSlowTimer() {
    if (slowTimer >= 0) {
      vertx.cancelTimer(slowTimer);
      slowTimer = -1;
    }
  }

  private void checkIdle(long idleMs) {
    if (!closed && System.nanoTime() - lastMessageNanos > idleMs * 1_000_000L) {
      close(1000, "idle timeout: no message for " + config.idleTimeoutSeconds() + " s");
    }
  }

  private void onException(Throwable e) {
    String message = String.valueOf(e.getMessage());
    if (e instanceof CorruptedWebSocketFrameException corrupt) {
      // a frame over maxFrameBytes (1009) or a protocol error such as an unnegotiated RSV1 bit (1002);
      // the connection is dropped right after this handler, so the close frame goes out now
      close(corrupt.closeStatus().code(), clip(message));
    } else if (message.contains("max message size")) {
      close(1009, "message larger than " + config.maxMessageBytes() + " bytes");
    } else {
      LOG.debug("stream {}: {}", id, message);
    }
  }

  private static String clip(String reason) {
    return reason.length() <= 100 ? reason : reason.substring(0, 100); // a close reason fits 123 bytes
  }

  private void onClose() {
    closed = true;
    cancelSlowTimer();
    if (idleTimer >= 0) {
      vertx.cancelTimer(idleTimer);
    }
    sink.streamClosed(id);
    onClosed.run();
  }
}
