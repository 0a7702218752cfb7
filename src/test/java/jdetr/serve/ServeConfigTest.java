package jdetr.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeConfigTest {

  @TempDir
  Path dir;

  @Test
  void defaultsFollowTheReferenceValTransform() {
    ServeConfig c = ServeConfig.defaults();
    assertThat(c.inputSize()).isEqualTo(800);
    assertThat(c.maxInputSize()).isEqualTo(1333);
    assertThat(c.token()).isNull();
    assertThat(c.allowedOrigins()).isEmpty();
    assertThat(c.sameOriginHosts()).containsExactly("localhost", "127.0.0.1", "[::1]");
  }

  @Test
  void sameOriginHostsAreTheLoopbackNamesTheBindAddressAndTheConfiguredNames() {
    ServeConfig c = ServeConfig.defaults().withSetting("host", "192.168.1.5")
        .withSetting("allowedHosts", "[\"Detect.LAN\", \"fe80::1\"]");
    assertThat(c.sameOriginHosts())
        .containsExactly("localhost", "127.0.0.1", "[::1]", "192.168.1.5", "detect.lan", "[fe80::1]");
    assertThat(ServeConfig.defaults().withSetting("host", "::").sameOriginHosts()).doesNotContain("[::]");
    assertThatThrownBy(() -> ServeConfig.defaults().withSetting("allowedHosts", "[\"http://x\"]"))
        .hasMessageContaining("allowedHosts: 'http://x' is not a host name");
    assertThat(c.toJson()).contains("\"allowedHosts\":[\"Detect.LAN\",\"fe80::1\"]")
        .doesNotContain("sameOriginHosts").doesNotContain("exposureWarning");
  }

  @Test
  void listeningBeyondLoopbackWithoutATokenIsWarnedAbout() {
    assertThat(ServeConfig.defaults().exposureWarning()).hasValueSatisfying(w -> assertThat(w)
        .startsWith("listening on 0.0.0.0 (every interface) without a token").contains("--set token=")
        .contains("--set host=127.0.0.1"));
    assertThat(ServeConfig.defaults().withSetting("host", "10.0.0.7").exposureWarning()).isPresent();
    assertThat(ServeConfig.defaults().withSetting("token", "t").exposureWarning()).isEmpty();
    for (String loopback : new String[] {"127.0.0.1", "localhost", "::1", "127.0.1.1"}) {
      assertThat(ServeConfig.defaults().withSetting("host", loopback).exposureWarning()).as(loopback).isEmpty();
    }
  }

  @Test
  void aFileOverridesOnlyTheKeysItNames() throws Exception {
    Path f = dir.resolve("serve.json");
    Files.writeString(f, "{\"maxBatch\": 4, \"allowedOrigins\": [\"https://a.example\"], \"token\": \"t0k\"}");
    ServeConfig c = ServeConfig.load(f);
    assertThat(c.maxBatch()).isEqualTo(4);
    assertThat(c.allowedOrigins()).containsExactly("https://a.example");
    assertThat(c.maxStreams()).isEqualTo(ServeConfig.defaults().maxStreams());
    assertThat(c.toRedactedJson()).contains("\"token\":\"***\"").doesNotContain("t0k");
  }

  @Test
  void theRepositoryConfigLoads() {
    ServeConfig c = ServeConfig.load(Path.of("conf", "serve.json"));
    assertThat(c.port()).isEqualTo(8080);
  }

  @Test
  void badKeysAndValuesAreNamed() throws Exception {
    Path f = dir.resolve("bad.json");
    Files.writeString(f, "{\"maxBatches\": 4}");
    assertThatThrownBy(() -> ServeConfig.load(f)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(f.toString()).hasMessageContaining("unknown key 'maxBatches'");
    Files.writeString(f, "{\"maxBatch\": 0}");
    assertThatThrownBy(() -> ServeConfig.load(f)).hasMessageContaining("maxBatch must be in [1, 256], got 0");
    Files.writeString(f, "{\"threshold\": 2}");
    assertThatThrownBy(() -> ServeConfig.load(f)).hasMessageContaining("threshold must be in [0, 1]");
    Files.writeString(f, "{\"maxStreams\": \"many\"}");
    assertThatThrownBy(() -> ServeConfig.load(f)).hasMessageContaining("maxStreams");
    Files.writeString(f, "[1]");
    assertThatThrownBy(() -> ServeConfig.load(f)).hasMessageContaining("expected a JSON object");
  }

  @Test
  void settingsFromTheCommandLine() {
    ServeConfig c = ServeConfig.defaults().withSetting("maxStreams", "3").withSetting("host", "127.0.0.1")
        .withSetting("token", "abc");
    assertThat(c.maxStreams()).isEqualTo(3);
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.token()).isEqualTo("abc");
    assertThatThrownBy(() -> ServeConfig.defaults().withSetting("nope", "1")).hasMessageContaining("--set nope");
  }
}
