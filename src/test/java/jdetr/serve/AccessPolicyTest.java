package jdetr.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {

  private static final String HOST = "127.0.0.1:8080";

  @Test
  void withoutTokenAndAllowlistOnlySameOriginBrowsersPass() {
    AccessPolicy p = new AccessPolicy(null, List.of());
    assertThat(p.check(null, null, null, "http", HOST).status()).isZero();
    assertThat(p.check(null, null, "http://127.0.0.1:8080", "http", HOST).status()).isZero();
    assertThat(p.check(null, null, "HTTP://127.0.0.1:8080/", "http", HOST).status()).isZero();
    assertThat(p.check(null, null, "http://evil.example", "http", HOST).status()).isEqualTo(403);
    assertThat(p.check(null, null, "http://127.0.0.1:9999", "http", HOST).status()).isEqualTo(403);
    assertThat(p.check(null, null, "null", "http", HOST).status()).isEqualTo(403);
    assertThat(new AccessPolicy(null, List.of()).check(null, null, "http://example.com", "http", "example.com:80")
        .status()).isZero();
  }

  @Test
  void anAllowlistNamesTheOriginsThatPass() {
    AccessPolicy p = new AccessPolicy(null, List.of("https://app.example", "http://localhost:3000"));
    assertThat(p.check(null, null, "https://app.example:443", "http", HOST).status()).isZero();
    assertThat(p.check(null, null, "http://localhost:3000", "http", HOST).status()).isZero();
    assertThat(p.check(null, null, "http://127.0.0.1:8080", "http", HOST).status()).isEqualTo(403);
    assertThat(new AccessPolicy(null, List.of("*")).check(null, null, "http://any.where", "http", HOST).status())
        .isZero();
  }

  @Test
  void tokenMatrix() {
    AccessPolicy p = new AccessPolicy("s3cret", List.of("https://app.example"));
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
