package jdetr.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {

  private static final int HOST = 8080;
  private static final List<String> LOOPBACK = List.of("localhost", "127.0.0.1", "[::1]");

  @Test
  void withoutTokenAndAllowlistOnlySameOriginBrowsersPass() {
    AccessPolicy p = new AccessPolicy(null, List.of(), LOOPBACK);
    assertThat(p.check(null, null, null, "http", HOST).status()).isZero();
    assertThat(p.check(null, null, "http://127.0.0.1:8080", "http", HOST).status()).isZero();
    assertThat(p.check(null, null, "HTTP://127.0.0.1:8080/", "http", HOST).status()).isZero();
    assertThat(p.check(null, null, "http://localhost:8080", "http", HOST).status()).isZero();
    assertThat(p.check(null, null, "http://[::1]:8080", "http", HOST).status()).isZero();
    assertThat(p.check(null, null, "http://evil.example", "http", HOST).status()).isEqualTo(403);
    assertThat(p.check(null, null, "http://127.0.0.1:9999", "http", HOST).status()).isEqualTo(403);
    assertThat(p.check(null, null, "https://127.0.0.1:8080", "http", HOST).status()).isEqualTo(403);
    assertThat(p.check(null, null, "null", "http", HOST).status()).isEqualTo(403);
  }

  /**
   * DNS rebinding: a page of example.com whose name now resolves to this machine sends
   * {@code Origin: http://example.com} and {@code Host: example.com}. Only the configured names count.
   */
  @Test
  void aNameReboundToThisMachineIsNotSameOrigin() {
    AccessPolicy p = new AccessPolicy(null, List.of(), LOOPBACK);
    assertThat(p.check(null, null, "http://example.com", "http", 80).status()).isEqualTo(403);
    assertThat(p.check(null, null, "http://example.com:8080", "http", HOST).status()).isEqualTo(403);
    AccessPolicy named = new AccessPolicy(null, List.of(), List.of("localhost", "detect.lan"));
    assertThat(named.check(null, null, "http://detect.lan:8080", "http", HOST).status()).isZero();
    assertThat(named.check(null, null, "http://DETECT.lan:8080", "http", HOST).status()).isZero();
    assertThat(named.check(null, null, "http://detect.lan:8081", "http", HOST).status()).isEqualTo(403);
  }

  @Test
  void anAllowlistNamesTheOriginsThatPass() {
    AccessPolicy p = new AccessPolicy(null, List.of("https://app.example", "http://localhost:3000"), LOOPBACK);
    assertThat(p.check(null, null, "https://app.example:443", "http", HOST).status()).isZero();
    assertThat(p.check(null, null, "http://localhost:3000", "http", HOST).status()).isZero();
    assertThat(p.check(null, null, "http://127.0.0.1:8080", "http", HOST).status()).isEqualTo(403);
    assertThat(new AccessPolicy(null, List.of("*"), LOOPBACK).check(null, null, "http://any.where", "http", HOST).status())
        .isZero();
  }

  @Test
  void tokenMatrix() {
    AccessPolicy p = new AccessPolicy("s3cret", List.of("https://app.example"), LOOPBACK);
    assertThat(p.check(null, null, null, "http", HOST)).isEqualTo(new AccessPolicy.Decision(401, "token missing"));
    assertThat(p.check("Bearer wrong", null, null, "http", HOST).reason()).isEqualTo("token invalid");
    assertThat(p.check("Bearer s3cret2", null, null, "http", HOST).status()).isEqualTo(401);
    assertThat(p.check("Basic czNjcmV0", null, null, "http", HOST).reason())
        .isEqualTo("authorization is not a bearer token");
    assertThat(p.check("Bearer ", null, null, "http", HOST).reason()).isEqualTo("token missing");
    assertThat(p.check("Bearer s3cret", null, null, "http", HOST).allowed()).isTrue();
    assertThat(p.check("bearer s3cret", null, null, "http", HOST).allowed()).isTrue();
    assertThat(p.check(null, "s3cret", null, "http", HOST).allowed()).isTrue();
    assertThat(p.check(null, "wrong", null, "http", HOST).status()).isEqualTo(401);
    // the origin is judged first: a foreign page learns nothing about the token
    assertThat(p.check(null, null, "https://evil.example", "http", HOST).status()).isEqualTo(403);
    assertThat(p.check("Bearer s3cret", null, "https://evil.example", "http", HOST).status()).isEqualTo(403);
    assertThat(p.check("Bearer s3cret", null, "https://app.example", "http", HOST).allowed()).isTrue();
    // reasons never carry the token
    assertThat(p.check("Bearer guess", null, null, "http", HOST).reason()).doesNotContain("guess");
  }
}
