package jdetr.serve;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;

/**
 * Who may use `/v1/*`: an optional bearer token and an Origin rule, checked before any state is
 * allocated for a request or stream. The token is taken from {@code Authorization: Bearer <token>}
 * or, for browsers (whose WebSocket API cannot set headers), from the {@code access_token} query
 * parameter; it is compared in constant time and never logged.
 *
 * <p>Origin: a request without an Origin header (not from a browser) passes; with an allowlist,
 * the Origin must be in it ("*" allows any); without one, it must be the server's own origin: the
 * server's scheme and port, and one of the host names the server is configured to be reached by.
 * The Host header is not consulted: a page whose name was rebound to this machine (DNS rebinding)
 * sends its own name in both Origin and Host.
 */
public final class AccessPolicy {

  /** The outcome: 0 (allowed), 401 (token) or 403 (origin), with a reason safe to log. */
  public record Decision(int status, String reason) {
    public boolean allowed() {
      return status == 0;
    }
  }

  private static final Decision ALLOWED = new Decision(0, "allowed");

  private final byte[] token;
  private final List<String> allowedOrigins;
  private final List<String> sameOriginHosts;

  /**
   * @param token the bearer token required, or null for none
   * @param allowedOrigins the Origins accepted (empty: the server's own only; "*": any)
   * @param sameOriginHosts the host names (lower case, IPv6 literals in brackets) that make an
   *     Origin the server's own
   */
  public AccessPolicy(String token, List<String> allowedOrigins, List<String> sameOriginHosts) {
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.allowedOrigins = allowedOrigins.stream().map(AccessPolicy::normalise).toList();
    this.sameOriginHosts = sameOriginHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
  }

  /**
   * Checks one request.
   *
   * @param authorization the Authorization header or null
   * @param queryToken the access_token query parameter or null
   * @param origin the Origin header or null
   * @param scheme "http" or "https" as the server sees it
   * @param port the port the request arrived on
   */
  public Decision check(String authorization, String queryToken, String origin, String scheme, int port) {
    if (origin != null && !originAllowed(origin, scheme, port)) {
      return new Decision(403, "origin not allowed");
    }
    if (token == null) {
      return ALLOWED;
    }
    String presented = null;
    if (authorization != null) {
      if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return new Decision(401, "authorization is not a bearer token");
      }
      presented = authorization.substring(7).trim();
    } else if (queryToken != null) {
      presented = queryToken;
    }
    if (presented == null || presented.isEmpty()) {
      return new Decision(401, "token missing");
    }
    if (!MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
      return new Decision(401, "token invalid");
    }
    return ALLOWED;
  }

  private boolean originAllowed(String origin, String scheme, int port) {
    String o = normalise(origin);
    if (allowedOrigins.isEmpty()) {
      return sameOriginHosts.stream().anyMatch(h -> o.equals(normalise(scheme + "://" + h + ":" + port)));
    }
    return allowedOrigins.contains("*") || allowedOrigins.contains(o);
  }

  /** scheme://host[:port] in lower case, default ports removed; unparseable text kept as is. */
  static String normalise(String origin) {
    if (origin.equals("*")) {
      return origin;
    }
    try {
      URI uri = new URI(origin.trim());
      if (uri.getScheme() == null || uri.getHost() == null) {
        return origin.trim().toLowerCase(Locale.ROOT);
      }
      String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
      int port = uri.getPort();
      boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
      return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    } catch (Exception e) {
      return origin.trim().toLowerCase(Locale.ROOT);
    }
  }
}
