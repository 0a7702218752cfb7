package jdetr.verticles;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A Vert.x WebSocket client stream with blocking helpers for tests. */
final class TestStream implements AutoCloseable {

  private final WebSocketClient client;
  final WebSocket ws;
  private final LinkedBlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();
  final CompletableFuture<Short> closed = new CompletableFuture<>();

  private TestStream(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(t -> messages.add(new JsonObject(t)));
    ws.exceptionHandler(e -> { });
    ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));
  }

  /** Opens /v1/stream (plus a query) with extra headers; throws the upgrade failure. */
  static TestStream open(Vertx vertx, int port, String query, MultiMap headers) throws Exception {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
        .setMaxMessageSize(1 << 20).setTryUsePerMessageCompression(false));
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/v1/stream" + (query.isEmpty() ? "" : "?" + query))
        .setAllowOriginHeader(headers != null && headers.contains("Origin")); // only an Origin a test names
    if (headers != null) {
      options.setHeaders(headers);
    }
    // handlers go on in the event-loop task that sees the upgrade, so a message or close the
    // server sends right after it is never missed
    CompletableFuture<TestStream> opened = new CompletableFuture<>();
    vertx.getOrCreateContext().runOnContext(start -> client.connect(options).onComplete(c -> {
      if (c.succeeded()) {
        opened.complete(new TestStream(client, c.result()));
      } else {
        opened.completeExceptionally(c.cause());
      }
    }));
    try {
      return opened.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      client.close();
      throw (Exception) e.getCause();
    }
  }

  static TestStream open(Vertx vertx, int port) throws Exception {
    return open(vertx, port, "", null);
  }

  void sendImage(long id, byte[] image) {
    ws.writeBinaryMessage(Buffer.buffer(8 + image.length).appendLong(id).appendBytes(image));
  }

  void sendRaw(byte[] bytes) {
    ws.writeBinaryMessage(Buffer.buffer(bytes));
  }

  void sendText(String text) {
    ws.writeTextMessage(text);
  }

  /** The next message, failing after the timeout. */
  JsonObject next(Duration timeout) throws InterruptedException {
    JsonObject m = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (m == null) {
      throw new AssertionError("no message within " + timeout);
    }
    return m;
  }

  /** Sends a frame and returns its answer. */
  JsonObject roundTrip(long id, byte[] image) throws InterruptedException {
    sendImage(id, image);
    return next(Duration.ofSeconds(30));
  }

  /** The close code, failing after the timeout. */
  short awaitClose(Duration timeout) throws Exception {
    return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    if (!closed.isDone()) {
      ws.close();
    }
    client.close();
  }
}
