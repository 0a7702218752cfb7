package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import jdetr.serve.HostileImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Test matrix W1 (frame/message too large), W2 (compression bomb, image bombs), W7 (hostile
 * images), W8 (hostile JSON control messages) against a real server on loopback.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class StreamInputLimitsTest {

  private static final int MAX_FRAME = 64 << 10;
  private static final int MAX_MESSAGE = 128 << 10;
  private static final Duration ANSWER = Duration.ofSeconds(30);

  private static DetectionServer server;
  private static Vertx vertx;
  private static List<byte[]> frames;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    server = Servers.start("{\"maxFrameBytes\": " + MAX_FRAME + ", \"maxMessageBytes\": " + MAX_MESSAGE
        + ", \"maxImagePixels\": 4194304}");
    frames = Servers.frames(3, 320, 240);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static int port() {
    return server.port();
  }

  /** Streams the server closed with this code so far. */
  private static double closed(int code) {
    return Servers.counter(server, "jdetr.ws.closed", "code", Integer.toString(code));
  }

  private static void assertDetects(TestStream s, long id) throws InterruptedException {
    JsonObject r = s.roundTrip(id, frames.get((int) (id % frames.size())));
    assertThat(r.getLong("frame")).isEqualTo(id);
    assertThat(r.getJsonArray("detections")).as("result %s", r).isNotEmpty();
  }

  // W1
  @Test
  void aFrameOverTheLimitClosesThatStreamWith1009() throws Exception {
    try (TestStream other = TestStream.open(vertx, port());
        RawWebSocket raw = RawWebSocket.open(port(), "/v1/stream", Map.of(), 0)) {
      assertThat(raw.status).isEqualTo(101);
      assertDetects(other, 1);
      double closed0 = closed(1009);
      long start = System.nanoTime();
      // the length in the frame header is enough: the server refuses before reading the payload
      // (had the payload been sent, closing with it unread would reset the connection, losing the code)
      raw.sendFrameHeader(RawWebSocket.BINARY, true, false, MAX_FRAME + 1000);
      assertThat(raw.awaitClose(5000)).isEqualTo(1009);
      System.out.printf("W1 frame too large: close 1009 after %.0f ms%n", (System.nanoTime() - start) / 1e6);
      assertThat(closed(1009) - closed0).as("jdetr_ws_closed_total{code=1009}").isEqualTo(1);
      assertDetects(other, 2);
    }
  }

  // W1
  @Test
  void aMessageOverTheLimitInSmallFramesClosesWith1009() throws Exception {
    try (TestStream other = TestStream.open(vertx, port());
        RawWebSocket raw = RawWebSocket.open(port(), "/v1/stream", Map.of(), 0)) {
      double closed0 = closed(1009);
      byte[] part = new byte[60_000];
      raw.sendFrame(RawWebSocket.BINARY, false, false, part);
      raw.sendFrame(RawWebSocket.CONTINUATION, false, false, part);
      raw.sendFrame(RawWebSocket.CONTINUATION, true, false, part);
      assertThat(raw.awaitClose(5000)).isEqualTo(1009);
      assertThat(closed(1009) - closed0).isEqualTo(1);
      assertDetects(other, 3);
    }
  }

  // W2
  @Test
  void compressionIsNotNegotiatedAndACompressedFrameIsRefused() throws Exception {
    try (RawWebSocket raw = RawWebSocket.open(port(), "/v1/stream",
        Map.of("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"), 0)) {
      assertThat(raw.status).isEqualTo(101);
      assertThat(raw.headers).doesNotContainKey("sec-websocket-extensions");
      // RSV1 marks a frame compressed though nothing was agreed: a protocol error
      raw.sendFrame(RawWebSocket.BINARY, true, true, deflatedZeros(1 << 20));
      assertThat(raw.awaitClose(5000)).isEqualTo(1002);
    }
    try (RawWebSocket raw = RawWebSocket.open(port(), "/v1/stream",
        Map.of("Sec-WebSocket-Extensions", "permessage-deflate"), 0)) {
      byte[] bomb = deflatedZeros(60 << 20);
      assertThat(bomb.length).isLessThanOrEqualTo(MAX_FRAME);
      long before = Servers.usedHeapAfterGc();
      raw.sendFrame(RawWebSocket.BINARY, true, true, bomb);
      // refused as soon as the header is read; the unread rest may reset the connection instead of a clean close
      assertThat(raw.awaitClose(5000)).isIn(1002, -1);
      long delta = Servers.usedHeapAfterGc() - before;
      System.out.printf("W2 deflate bomb (%d bytes -> 60 MiB): refused, heap delta %d KiB%n", bomb.length, delta >> 10);
      assertThat(delta).isLessThan(16L << 20);
    }
    try (TestStream s = TestStream.open(vertx, port())) {
      assertThat(s.ws.headers().get("Sec-WebSocket-Extensions")).isNull();
    }
  }

  // W2 + W7
  @Test
  void imageBombsAreRefusedFromTheirHeaderAndTheStreamStaysOpen() throws Exception {
    try (TestStream s = TestStream.open(vertx, port())) {
      long before = Servers.usedHeapAfterGc();
      JsonObject png = s.roundTrip(10, HostileImages.pngDeclaring(100_000, 100_000, 200));
      assertThat(png.getLong("frame")).isEqualTo(10);
      assertThat(png.getJsonObject("error").getString("code")).isEqualTo("IMAGE_REJECTED");
      assertThat(png.getJsonObject("error").getString("reason")).startsWith("too_many_pixels(100000x100000)");
      JsonObject jpeg = s.roundTrip(11, HostileImages.jpegDeclaring(frames.get(0), 60000, 60000));
      assertThat(jpeg.getJsonObject("error").getString("reason")).startsWith("too_many_pixels(60000x60000)");
      assertThat(Servers.usedHeapAfterGc() - before).isLessThan(16L << 20);
      assertDetects(s, 12);
    }
  }

  // W7
  @Test
  void hostileImagesGetAnErrorMessageAndTheStreamStaysUsable() throws Exception {
    try (TestStream s = TestStream.open(vertx, port()); TestStream other = TestStream.open(vertx, port())) {
      other.sendImage(1, frames.get(1));
      assertReject(s.roundTrip(21, HostileImages.notAnImage()), 21L, "IMAGE_REJECTED", "not_an_image");
      assertReject(s.roundTrip(22, HostileImages.truncated(frames.get(0))), 22L, "IMAGE_REJECTED", "truncated(WARNING_NO_EOI): jpeg");
      assertReject(s.roundTrip(23, HostileImages.truncated(png())), 23L, "IMAGE_REJECTED", "truncated(no IEND): png");
      assertReject(s.roundTrip(24, HostileImages.jpegDeclaring(frames.get(0), 65000, 65000)), 24L, "IMAGE_REJECTED",
          "too_many_pixels");
      s.sendRaw(new byte[] {0, 0, 0, 0, 0, 0, 0, 25}); // a frame id and no image
      assertReject(s.next(ANSWER), null, "BAD_FRAME", "too short");
      s.sendRaw(new byte[] {1, 2, 3});
      assertReject(s.next(ANSWER), null, "BAD_FRAME", "too short");
      assertDetects(s, 26);
      JsonObject first = other.next(ANSWER);
      assertThat(first.getLong("frame")).isEqualTo(1);
      assertThat(first.containsKey("error")).isFalse();
      assertDetects(other, 2);
    }
  }

  // W8
  @Test
  void hostileControlMessagesGetBadRequestAndTheStreamStaysUsable() throws Exception {
    try (TestStream s = TestStream.open(vertx, port())) {
      String[] hostile = {
        "[".repeat(10_000) + "]".repeat(10_000),
        "{\"threshold\":\"" + "x".repeat(60_000) + "\"}",
        "{\"threshold\":0." + "9".repeat(1000) + "}",
        "{\"threshold\":",
        "{\"thresholds\":0.5}",
        "{\"threshold\":7}",
      };
      for (String text : hostile) {
        long start = System.nanoTime();
        s.sendText(text);
        JsonObject r = s.next(ANSWER);
        assertReject(r, null, "BAD_REQUEST", "control message");
        System.out.printf("W8 %-24s -> %s (%.1f ms)%n", text.substring(0, Math.min(20, text.length())),
            r.getJsonObject("error").getString("reason"), (System.nanoTime() - start) / 1e6);
      }
      s.sendText("{\"threshold\": 0.99}");
      assertThat(s.next(ANSWER).getJsonObject("control").getDouble("threshold")).isEqualTo(0.99);
      JsonObject r = s.roundTrip(31, frames.get(0));
      assertThat(r.getJsonArray("detections").stream().map(d -> ((JsonObject) d).getDouble("score")))
          .allMatch(score -> score >= 0.99);
    }
    try (RawWebSocket raw = RawWebSocket.open(port(), "/v1/stream", Map.of(), 0)) {
      raw.sendFrameHeader(RawWebSocket.TEXT, true, false, 10 << 20); // a 10 MB control message
      assertThat(raw.awaitClose(5000)).isEqualTo(1009);
    }
  }

  private static void assertReject(JsonObject r, Long frame, String code, String reason) {
    assertThat(r.getLong("frame")).as("%s", r).isEqualTo(frame);
    assertThat(r.getJsonObject("error").getString("code")).as("%s", r).isEqualTo(code);
    assertThat(r.getJsonObject("error").getString("reason")).as("%s", r).contains(reason);
  }

  private static byte[] png() {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      javax.imageio.ImageIO.write(jdetr.serve.ShapesScene.random(3, 320, 240, 3, 0).render(0), "png", out);
      return out.toByteArray();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Raw DEFLATE of n zero bytes, as permessage-deflate would carry them. */
  private static byte[] deflatedZeros(int n) {
    Deflater d = new Deflater(9, true);
    byte[] zeros = new byte[1 << 20];
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[1 << 16];
    for (int left = n; left > 0; left -= zeros.length) {
      d.setInput(zeros, 0, Math.min(left, zeros.length));
      while (!d.needsInput()) {
        out.write(buf, 0, d.deflate(buf));
      }
    }
    d.finish();
    while (!d.finished()) {
      out.write(buf, 0, d.deflate(buf));
    }
    d.end();
    return out.toByteArray();
  }
}
