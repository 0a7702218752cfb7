package jdetr.serve;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import jdetr.checkpoint.DetrWeights;

/**
 * Settings of `jdetr serve`, read once at start. A configuration file is a small JSON object that
 * overrides some of these defaults; unknown keys are an error naming the key.
 *
 * @param host address to listen on
 * @param port TCP port (0 picks a free one)
 * @param threshold default score threshold for reported detections (per request/stream overridable)
 * @param inputSize shorter side the model input is resized to (the reference val transform uses 800)
 * @param maxInputSize longer side cap of the model input (reference: 1333)
 * @param maxBatch most frames the detector runs in one batch
 * @param maxDelayMs longest a frame waits for its batch to fill
 * @param decodeThreads threads decoding and preparing images next to the batcher thread
 * @param prepareAhead decode and prepare the next batch while the model runs the current one. Off
 *     by default: libtorch's intra-op threads use every core, and decoding beside them slows the
 *     model more than it saves (measured on 2 cores); worth it when the intra-op threads leave a
 *     core free (ai.djl.pytorch.num_threads below the cores)
 * @param maxFrameBytes largest WebSocket frame accepted (larger: close 1009)
 * @param maxMessageBytes largest WebSocket message accepted (larger: close 1009)
 * @param maxRequestBytes largest `POST /v1/detect` body (larger: HTTP 413)
 * @param maxImagePixels largest width*height decoded (checked on the image header, before decoding)
 * @param maxStreams most open WebSocket streams (more: HTTP 503 at the upgrade)
 * @param maxPendingRequests most `POST /v1/detect` requests in progress (more: HTTP 503)
 * @param idleTimeoutSeconds a stream with no message for this long is closed
 * @param handshakeTimeoutSeconds a connection must send a complete request head within this time
 * @param requestTimeoutSeconds a plain HTTP request must be answered within this time
 * @param writeQueueBytes per-stream outbound queue; results that do not fit are dropped
 * @param socketSendBufferBytes kernel send buffer per connection (0: the OS default, which grows to
 *     megabytes and so delays the detection of a slow reader)
 * @param slowReaderSeconds a stream whose outbound queue stays full this long is closed (1008)
 * @param token bearer token required on `/v1/*` (null: none)
 * @param allowedOrigins Origins accepted on `/v1/*`; empty: same origin only; "*": any
 * @param allowedHosts host names, besides localhost, 127.0.0.1, [::1] and {@code host}, by which
 *     browsers reach the server: a page's Origin is the server's own only with one of these names
 *     (and the server's scheme and port), whatever Host header the client sends
 * @param maxJsonDepth nesting depth limit of a JSON control message
 * @param maxJsonStringLength string length limit of a JSON control message
 * @param maxJsonNumberLength number length limit of a JSON control message
 */
public record ServeConfig(
    String host,
    int port,
    double threshold,
    int inputSize,
    int maxInputSize,
    int maxBatch,
    int maxDelayMs,
    int decodeThreads,
    boolean prepareAhead,
    int maxFrameBytes,
    int maxMessageBytes,
    int maxRequestBytes,
    long maxImagePixels,
    int maxStreams,
    int maxPendingRequests,
    int idleTimeoutSeconds,
    int handshakeTimeoutSeconds,
    int requestTimeoutSeconds,
    int writeQueueBytes,
    int socketSendBufferBytes,
    int slowReaderSeconds,
    String token,
    List<String> allowedOrigins,
    List<String> allowedHosts,
    int maxJsonDepth,
    int maxJsonStringLength,
    int maxJsonNumberLength) {

  /** The config file read when none is given, if it exists. */
  private static final Path DEFAULT_FILE = Path.of("conf", "serve.json");

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  public ServeConfig {
    allowedOrigins = List.copyOf(allowedOrigins == null ? List.of() : allowedOrigins);
    allowedHosts = List.copyOf(allowedHosts == null ? List.of() : allowedHosts);
    for (String h : allowedHosts) {
      if (h.isBlank() || h.contains("/") || h.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("allowedHosts: '" + h + "' is not a host name");
      }
    }
    if (token != null && token.isBlank()) {
      token = null;
    }
    requireRange("port", port, 0, 65535);
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold must be in [0, 1], got " + threshold);
    }
    requireRange("inputSize", inputSize, 16, 4096);
    requireRange("maxInputSize", maxInputSize, inputSize, 8192);
    requireRange("maxBatch", maxBatch, 1, 256);
    requireRange("maxDelayMs", maxDelayMs, 0, 10_000);
    requireRange("decodeThreads", decodeThreads, 1, 64);
    requireRange("maxFrameBytes", maxFrameBytes, 1024, 256 << 20);
    requireRange("maxMessageBytes", maxMessageBytes, 1024, 256 << 20);
    requireRange("maxRequestBytes", maxRequestBytes, 1024, 1 << 30);
    if (maxImagePixels < 1) {
      throw new IllegalArgumentException("maxImagePixels must be >= 1");
    }
    requireRange("maxStreams", maxStreams, 1, 100_000);
    requireRange("maxPendingRequests", maxPendingRequests, 1, 100_000);
    requireRange("idleTimeoutSeconds", idleTimeoutSeconds, 1, 86_400);
    requireRange("handshakeTimeoutSeconds", handshakeTimeoutSeconds, 1, 3600);
    requireRange("requestTimeoutSeconds", requestTimeoutSeconds, 1, 3600);
    requireRange("writeQueueBytes", writeQueueBytes, 1024, 256 << 20);
    requireRange("socketSendBufferBytes", socketSendBufferBytes, 0, 256 << 20);
    requireRange("slowReaderSeconds", slowReaderSeconds, 1, 3600);
    requireRange("maxJsonDepth", maxJsonDepth, 1, 1000);
    requireRange("maxJsonStringLength", maxJsonStringLength, 1, 1 << 20);
    requireRange("maxJsonNumberLength", maxJsonNumberLength, 1, 1000);
  }

  /** The defaults; DETR's val transform sizes (800, max 1333). */
  public static ServeConfig defaults() {
    return new ServeConfig(
        "0.0.0.0", 8080, 0.7, 800, 1333, 8, 10, Math.max(1, Runtime.getRuntime().availableProcessors()), false,
        1 << 20, 1 << 20, 8 << 20, 4096L * 4096L, 64, 16, 60, 10, 30, 64 << 10, 0, 5, null, List.of(),
        List.of(), 32, 1000, 64);
  }

  /**
   * The host names that make an Origin the server's own: the loopback names, {@code host} unless it
   * is a wildcard address, and {@code allowedHosts}; lower case, IPv6 literals in brackets.
   */
  public List<String> sameOriginHosts() {
    Set<String> hosts = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "[::1]"));
    if (!isWildcard(host)) {
      hosts.add(hostName(host));
    }
    allowedHosts.forEach(h -> hosts.add(hostName(h)));
    return List.copyOf(hosts);
  }

  /**
   * A warning when the server listens beyond loopback without a token: anyone who can reach the
   * port may use `/v1/*`. Empty when {@code host} is a loopback address or a token is set.
   */
  public Optional<String> exposureWarning() {
    if (token != null || isLoopback(host)) {
      return Optional.empty();
    }
    String where = isWildcard(host) ? host + " (every interface)" : host;
    return Optional.of("listening on " + where + " without a token: anyone who can reach the port can use"
        + " /v1/*. Set a token (--set token=...) or listen on loopback only (--set host=127.0.0.1)");
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || hostName(host).equals("[::]") || hostName(host).equals("[0:0:0:0:0:0:0:0]");
  }

  private static boolean isLoopback(String host) {
    String h = hostName(host);
    return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") || h.equals("[0:0:0:0:0:0:0:1]");
  }

  /** Lower case; an IPv6 literal in brackets, as it appears in a URL. */
  private static String hostName(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    return h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
  }

  /** Reads a JSON object of overrides from a file over the defaults. */
  public static ServeConfig load(Path file) {
    JsonNode node;
    try {
      node = MAPPER.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("serve config " + file + ": " + e.getMessage(), e);
    }
    return defaults().with(node, file.toString());
  }

  /**
   * The settings of `jdetr serve`: the defaults, then the config file ({@code conf}, else
   * conf/serve.json if it exists), then the {@code key=value} settings, then {@code port}. A jdetr
   * training checkpoint served with a file that names no input size is fed at the size its run
   * evaluated at. Bad input is an IllegalArgumentException naming the option or file.
   */
  public static ServeConfig resolve(Path conf, Path weights, List<String> settings, Integer port)
      throws IOException {
    Path file = conf != null ? conf : Files.isRegularFile(DEFAULT_FILE) ? DEFAULT_FILE : null;
    if (conf != null && !Files.isRegularFile(conf)) {
      throw new IllegalArgumentException("--conf " + conf + ": no such file");
    }
    ServeConfig config = file != null ? load(file) : defaults();
    Optional<DetrWeights.ValSize> trained = weights == null || namesInputSize(file)
        ? Optional.empty() : DetrWeights.valSize(weights);
    if (trained.isPresent()) {
      config = config.withSetting("inputSize", Integer.toString(trained.get().size()))
          .withSetting("maxInputSize", Integer.toString(trained.get().maxSize()));
    }
    for (String s : settings) {
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--set " + s + ": expected key=value");
      }
      config = config.withSetting(s.substring(0, eq), s.substring(eq + 1));
    }
    if (port != null) {
      config = config.withSetting("port", Integer.toString(port));
    }
    return config;
  }

  private static boolean namesInputSize(Path file) throws IOException {
    if (file == null) {
      return false;
    }
    JsonNode json = MAPPER.readTree(file.toFile());
    return json.has("inputSize") || json.has("maxInputSize");
  }

  /** The defaults with the fields of a JSON object's text replaced; {@code source} names it in errors. */
  public static ServeConfig fromJson(String json, String source) {
    JsonNode node;
    try {
      node = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("serve config " + source + ": " + e.getMessage(), e);
    }
    return defaults().with(node, source);
  }

  /** These settings with the fields of a JSON object replaced; {@code source} names it in errors. */
  public ServeConfig with(JsonNode overrides, String source) {
    if (overrides == null || !overrides.isObject()) {
      throw new IllegalArgumentException("serve config " + source + ": expected a JSON object");
    }
    ObjectNode merged = MAPPER.valueToTree(this);
    for (Map.Entry<String, JsonNode> field : overrides.properties()) {
      if (!merged.has(field.getKey())) {
        throw new IllegalArgumentException(
            "serve config " + source + ": unknown key '" + field.getKey() + "' (known: "
                + String.join(", ", iterable(merged.fieldNames())) + ")");
      }
      merged.set(field.getKey(), field.getValue());
    }
    try {
      return MAPPER.treeToValue(merged, ServeConfig.class);
    } catch (IOException e) {
      Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
      throw new IllegalArgumentException("serve config " + source + ": " + cause.getMessage(), e);
    }
  }

  /** These settings with one key set from text (`--set key=value`); the value is JSON or a string. */
  public ServeConfig withSetting(String key, String value) {
    JsonNode parsed;
    try {
      parsed = MAPPER.readTree(value);
    } catch (IOException e) {
      parsed = null;
    }
    ObjectNode one = MAPPER.createObjectNode();
    one.set(key, parsed == null || parsed.isMissingNode() ? MAPPER.getNodeFactory().textNode(value) : parsed);
    return with(one, "--set " + key);
  }

  /** Every setting as JSON, the token included (for the serving stages' configuration, never for logs). */
  public String toJson() {
    return MAPPER.valueToTree(this).toString();
  }

  /** The settings as JSON, the token replaced by "***". */
  public String toRedactedJson() {
    ObjectNode node = MAPPER.valueToTree(this);
    if (token != null) {
      node.put("token", "***");
    }
    return node.toString();
  }

  private static Iterable<String> iterable(java.util.Iterator<String> it) {
    return () -> it;
  }

  private static void requireRange(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          field + " must be in [" + min + ", " + max + "], got " + value);
    }
  }
}
