package jdetr.verticles;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import jdetr.serve.AccessPolicy;
import jdetr.serve.AdmissionLimit;
import jdetr.serve.DetectionJson;
import jdetr.serve.Frame;
import jdetr.serve.FrameResult;
import jdetr.serve.FrameSink;
import jdetr.serve.ServeConfig;
import jdetr.serve.ServeMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server stage (verticles/70-server.json, role "serve"), the HTTP face of `jdetr serve`:
 * `POST /v1/detect`, the `/v1/stream` WebSocket, `GET /v1/info`, health, metrics and the page.
 * Limits are enforced here before any per-stream state exists: handshake deadline per connection,
 * access policy, stream and request slots, body size. Its settings and the detector come from the
 * {@link ServingContext} of the detector stage deployed before it; instances share the port.
 */
public final class DetectionServerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DetectionServerVerticle.class);
  private static final Logger ACCESS = LoggerFactory.getLogger("jdetr.serve.access");
  private static final AtomicLong NEXT_STREAM = new AtomicLong(1);
  private static final AtomicLong NEXT_REQUEST = new AtomicLong(1);
  private static final String CSP = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
      + "connect-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'";

  private final Map<HttpConnection, Long> awaitingRequest = new ConcurrentHashMap<>();
  private final Map<Long, StreamSession> sessions = new ConcurrentHashMap<>();
  private ServeConfig config;
  private FrameSink sink;
  private ServeMetrics metrics;
  private PrometheusMeterRegistry registry;
  private AccessPolicy policy;
  private AdmissionLimit streams;
  private AdmissionLimit requests;
  private HttpServer server;

  @Override
  public Future<?> start() {
    ServingContext context;
    try {
      context = ServingContext.find(vertx);
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
    config = context.config();
    sink = context.service();
    metrics = context.metrics();
    registry = context.registry();
    policy = new AccessPolicy(config.token(), config.allowedOrigins(), config.sameOriginHosts());
    streams = context.streams();
    requests = context.requests();
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.host())
        .setPort(config.port())
        .setMaxWebSocketFrameSize(config.maxFrameBytes())
        .setMaxWebSocketMessageSize(config.maxMessageBytes())
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        .setHttp2ClearTextEnabled(false) // HTTP/1.1 from the first byte, so the handshake deadline starts at accept
        .setIdleTimeout(config.idleTimeoutSeconds() + config.handshakeTimeoutSeconds())
        .setWebSocketClosingTimeout(config.handshakeTimeoutSeconds());
    if (config.socketSendBufferBytes() > 0) {
      options.setSendBufferSize(config.socketSendBufferBytes());
    }
    Router router = Router.router(vertx);
    router.route().handler(this::admit);
    router.get("/health/live").handler(HealthCheckHandler.create(vertx).register("server", p -> p.complete(Status.OK())));
    router.get("/health/ready").handler(HealthCheckHandler.create(vertx).register("detector",
        p -> p.complete(sink.ready() ? Status.OK() : Status.KO(new JsonObject().put("reason", "detector loading")))));
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    router.route("/v1/*").handler(this::authorize);
    router.get("/v1/info").handler(this::info);
    router.post("/v1/detect").handler(this::detect);
    router.get("/v1/stream").handler(this::upgrade);
    router.get().handler(ctx -> {
      ctx.response().putHeader("Content-Security-Policy", CSP)
          .putHeader("X-Content-Type-Options", "nosniff")
          .putHeader("Referrer-Policy", "no-referrer");
      ctx.next();
    });
    router.get().handler(StaticHandler.create("web").setIndexPage("index.html").setCachingEnabled(false));
    server = vertx.createHttpServer(options)
        .connectionHandler(this::onConnection)
        .requestHandler(router);
    return server.listen().onSuccess(s -> {
      context.listening(s.actualPort());
      LOG.info("listening on http://{}:{}/", config.host(), s.actualPort());
      config.exposureWarning().ifPresent(w -> LOG.warn("{}", w));
    });
  }

  @Override
  public Future<?> stop() {
    for (StreamSession s : sessions.values()) {
      s.close(1001, "server stopping");
    }
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** Slowloris guard: a connection must complete a request head within the handshake timeout. */
  private void onConnection(HttpConnection conn) {
    long timer = vertx.setTimer(config.handshakeTimeoutSeconds() * 1000L, t -> {
      if (awaitingRequest.remove(conn) != null) {
        conn.close();
      }
    });
    awaitingRequest.put(conn, timer);
    conn.closeHandler(v -> {
      Long t = awaitingRequest.remove(conn);
      if (t != null) {
        vertx.cancelTimer(t);
      }
    });
  }

  /** First handler of every request: ends the handshake deadline, starts the request deadline, logs. */
  private void admit(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    Long handshake = awaitingRequest.remove(req.connection());
    if (handshake != null) {
      vertx.cancelTimer(handshake);
    }
    long start = System.nanoTime();
    if (!isUpgrade(req)) {
      long deadline = vertx.setTimer(config.requestTimeoutSeconds() * 1000L, t -> {
        if (!ctx.response().ended()) {
          LOG.info("{} {}: no answer within {} s, closing the connection", req.method(), redact(req.uri()),
              config.requestTimeoutSeconds());
          req.connection().close();
        }
      });
      ctx.addEndHandler(v -> vertx.cancelTimer(deadline));
    }
    ctx.addEndHandler(v -> ACCESS.info("{} {} {} {}ms", req.method(), redact(req.uri()),
        ctx.response().getStatusCode(), (System.nanoTime() - start) / 1_000_000));
    ctx.next();
  }

  private void authorize(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    AccessPolicy.Decision d = policy.check(req.getHeader("Authorization"), req.getParam("access_token"),
        req.getHeader("Origin"), req.scheme(), req.localAddress().port());
    if (d.allowed()) {
      ctx.next();
      return;
    }
    if (isUpgrade(req)) {
      metrics.refused(d.status());
    }
    if (d.status() == 401) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"jdetr\"");
    }
    fail(ctx, d.status(), d.status() == 401 ? "UNAUTHORIZED" : "FORBIDDEN", d.reason());
  }

  private void info(RoutingContext ctx) {
    ctx.json(new JsonObject()
        .put("ready", sink.ready())
        .put("detector", sink.description())
        .put("classes", new JsonArray(sink.classNames()))
        .put("threshold", config.threshold())
        .put("max_frame_bytes", Math.min(config.maxFrameBytes(), config.maxMessageBytes()))
        .put("max_image_pixels", config.maxImagePixels())
        .put("max_batch", config.maxBatch()));
  }

  /** POST /v1/detect: the body is the image; read up to maxRequestBytes, then queued like a frame. */
  private void detect(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    Double threshold = threshold(ctx);
    if (threshold == null) {
      return;
    }
    if (!sink.ready()) {
      ctx.response().putHeader("Retry-After", "5");
      fail(ctx, 503, FrameResult.NOT_READY, "the detector is not ready");
      return;
    }
    String declared = req.getHeader("Content-Length");
    if (declared != null && tooLarge(declared)) {
      tooLarge(ctx);
      return;
    }
    if (!requests.tryAcquire()) {
      ctx.response().putHeader("Retry-After", "1");
      fail(ctx, 503, "BUSY", "too many requests in progress (limit " + requests.max() + ")");
      return;
    }
    ctx.addEndHandler(v -> requests.release());
    Buffer body = Buffer.buffer();
    req.handler(chunk -> {
      if (ctx.response().ended()) {
        return;
      }
      if (body.length() + chunk.length() > config.maxRequestBytes()) {
        tooLarge(ctx);
        return;
      }
      body.appendBuffer(chunk);
    });
    req.endHandler(v -> {
      if (!ctx.response().ended()) {
        submit(ctx, body.getBytes(), threshold);
      }
    });
    req.resume();
  }

  private void submit(RoutingContext ctx, byte[] body, double threshold) {
    long id = NEXT_REQUEST.getAndIncrement();
    DetectionJson json = new DetectionJson(sink.classNames());
    var eventLoop = vertx.getOrCreateContext();
    sink.submit(-id, new Frame(id, body, 0, body.length, threshold, System.nanoTime(),
        result -> eventLoop.runOnContext(v -> {
          if (ctx.response().ended() || ctx.response().closed()) {
            return;
          }
          if (result instanceof FrameResult.Detected d) {
            ctx.response().putHeader("Content-Type", "application/json").end(json.response(d));
          } else if (result instanceof FrameResult.Rejected r) {
            int status = r.code().equals(FrameResult.IMAGE_REJECTED) ? 422 : 503;
            fail(ctx, status, r.code(), r.reason());
          }
        })));
  }

  private boolean tooLarge(String contentLength) {
    try {
      return Long.parseLong(contentLength.trim()) > config.maxRequestBytes();
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private void tooLarge(RoutingContext ctx) {
    ctx.response().putHeader("Connection", "close");
    fail(ctx, 413, "TOO_LARGE", "request body larger than " + config.maxRequestBytes() + " bytes");
  }

  private void upgrade(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (!isUpgrade(req)) {
      fail(ctx, 400, FrameResult.BAD_REQUEST, "expected a WebSocket upgrade request");
      return;
    }
    if (!sink.ready()) {
      metrics.refused(503);
      ctx.response().putHeader("Retry-After", "5");
      fail(ctx, 503, FrameResult.NOT_READY, "the detector is not ready");
      return;
    }
    Double threshold = threshold(ctx);
    if (threshold == null) {
      return;
    }
    if (!streams.tryAcquire()) {
      metrics.refused(503);
      ctx.response().putHeader("Retry-After", "1");
      fail(ctx, 503, "TOO_MANY_STREAMS", "too many open streams (limit " + streams.max() + ")");
      return;
    }
    long id = NEXT_STREAM.getAndIncrement();
    req.toWebSocket().onComplete(ar -> {
      if (ar.failed()) {
        streams.release();
        LOG.debug("upgrade failed: {}", ar.cause().toString());
        return;
      }
      ACCESS.info("GET {} 101 stream={}", redact(req.uri()), id);
      StreamSession session = new StreamSession(id, ar.result(), vertx, config, sink, metrics, threshold, () -> {
        sessions.remove(id);
        streams.release();
      });
      sessions.put(id, session);
      session.start();
    });
  }

  /** The threshold query parameter or the default; null after answering 400 for a bad one. */
  private Double threshold(RoutingContext ctx) {
    String text = ctx.request().getParam("threshold");
    if (text == null) {
      return config.threshold();
    }
    try {
      double t = Double.parseDouble(text);
      if (t >= 0 && t <= 1) {
        return t;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    fail(ctx, 400, FrameResult.BAD_REQUEST, "threshold must be a number in [0, 1], got '"
        + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "'");
    return null;
  }

  private static void fail(RoutingContext ctx, int status, String code, String reason) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(DetectionJson.error(null, code, reason));
  }

  private static boolean isUpgrade(HttpServerRequest req) {
    return "websocket".equalsIgnoreCase(req.getHeader("Upgrade"));
  }

  /** The request URI with the access_token value hidden. */
  static String redact(String uri) {
    return uri == null ? "" : uri.replaceAll("(?i)(access_token=)[^&]*", "$1***");
  }
}
