package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import jdetr.serve.DetectorChoice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The serving stages as descriptors: role serve, the settings they get, and how they fail. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class ServeStagesTest {

  @Test
  void roleServeIsTheDetectorThenTheServer() throws Exception {
    List<StageDescriptor> serve = StageDescriptors.forRole(StageDescriptors.load(DetectionServer.DEFAULT_STAGES), "serve");
    assertThat(serve).extracting(StageDescriptor::file).containsExactly("60-detector.json", "70-server.json");
    assertThat(serve).extracting(StageDescriptor::verticle)
        .containsExactly(DetectorVerticle.class.getName(), DetectionServerVerticle.class.getName());
    assertThat(serve.get(0).instances()).as("one model thread").isEqualTo(1);
  }

  @Test
  void withoutADetectorTheDetectorStageFailsNamingItsFileAndNothingStaysDeployed(Vertx vertx) throws Exception {
    List<StageDescriptor> serve = StageDescriptors.forRole(StageDescriptors.load(DetectionServer.DEFAULT_STAGES), "serve");
    Throwable e = catchThrowable(() -> StageDeployer.deploy(vertx, serve).toCompletionStage().toCompletableFuture()
        .get(60, TimeUnit.SECONDS));
    assertThat(e).isInstanceOf(ExecutionException.class);
    assertThat(e.getCause().getMessage()).contains("60-detector.json").contains("config.detector is missing");
    assertThat(vertx.deploymentIDs()).isEmpty();
  }

  @Test
  void theServerStageAloneSaysItNeedsTheDetectorStage(Vertx vertx) throws Exception {
    StageDescriptor server = StageDescriptors.forRole(StageDescriptors.load(DetectionServer.DEFAULT_STAGES), "serve").get(1);
    Throwable e = catchThrowable(() -> StageDeployer.deploy(vertx, List.of(server)).toCompletionStage()
        .toCompletableFuture().get(60, TimeUnit.SECONDS));
    assertThat(e.getCause().getMessage()).contains("70-server.json").contains("no detector stage")
        .contains("60-detector.json");
  }

  @Test
  void serverInstancesShareTheStreamSlotsAndThePort(@TempDir Path dir, Vertx vertx) throws Exception {
    Files.copy(DetectionServer.DEFAULT_STAGES.resolve("60-detector.json"), dir.resolve("60-detector.json"));
    JsonObject server = new JsonObject(Files.readString(DetectionServer.DEFAULT_STAGES.resolve("70-server.json")));
    Files.writeString(dir.resolve("70-server.json"), server.put("instances", 2).encodePrettily());
    try (DetectionServer s = DetectionServer.start(Servers.config("{\"maxStreams\": 2}"),
        DetectorChoice.shapesThreshold(), dir)) {
      s.loaded().get(60, TimeUnit.SECONDS);
      byte[] frame = Servers.frames(1, 160, 120).get(0);
      try (TestStream a = TestStream.open(vertx, s.port()); TestStream b = TestStream.open(vertx, s.port())) {
        assertThat(a.roundTrip(1, frame).getLong("frame")).isEqualTo(1);
        assertThat(b.roundTrip(2, frame).getLong("frame")).isEqualTo(2);
        Throwable third = catchThrowable(() -> TestStream.open(vertx, s.port()));
        assertThat(third).isInstanceOf(UpgradeRejectedException.class);
        assertThat(((UpgradeRejectedException) third).getStatus()).isEqualTo(503);
      }
    }
  }
}
