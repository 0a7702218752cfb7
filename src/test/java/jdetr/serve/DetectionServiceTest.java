package jdetr.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import jdetr.eval.Detection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The detection side without Vert.x: scheduler, decode, detector thread, replies. */
@Timeout(60)
class DetectionServiceTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final LinkedBlockingQueue<FrameResult> replies = new LinkedBlockingQueue<>();
  private DetectionService service;
  private Thread thread;

  @BeforeEach
  void start() throws Exception {
    // frames wait up to 5 s for a full batch of 4: tests fill batches to make them go
    ServeConfig config = ServeConfig.defaults().withSetting("maxBatch", "4").withSetting("maxDelayMs", "5000");
    service = new DetectionService(config, c -> new ShapesThresholdDetector(), new ServeMetrics(registry, 4));
    thread = new Thread(service, "test-detector");
    thread.start();
    service.loaded().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    service.stop();
    thread.join(10_000);
    assertThat(thread.isAlive()).isFalse();
  }

  private Frame frame(long id, byte[] bytes, double threshold) {
    return new Frame(id, bytes, 0, bytes.length, threshold, System.nanoTime(), replies::add);
  }

  private FrameResult next() throws InterruptedException {
    FrameResult r = replies.poll(30, TimeUnit.SECONDS);
    assertThat(r).as("a reply within 30 s").isNotNull();
    return r;
  }

  @Test
  void answersGoodAndBadFramesOfOneBatch() throws Exception {
    ShapesScene scene = ShapesScene.random(11, 320, 240, 3, 0);
    byte[] good = ShapesScene.jpeg(scene.render(0), 0.9f);
    service.submit(1, frame(10, good, 0.5));
    service.submit(2, frame(20, HostileImages.notAnImage(), 0.5));
    service.submit(3, frame(30, HostileImages.truncated(good), 0.5));
    service.submit(4, frame(40, good, 0.999));
    List<FrameResult> all = List.of(next(), next(), next(), next());
    FrameResult.Detected ok = (FrameResult.Detected) all.stream().filter(r -> r.frame() == 10).findFirst().orElseThrow();
    assertThat(ok.width()).isEqualTo(320);
    assertThat(ok.detections()).hasSize(3).extracting(Detection::label)
        .containsExactlyInAnyOrderElementsOf(scene.truth(0).stream().map(Detection::label).toList());
    assertThat(ok.detections()).isSortedAccordingTo((a, b) -> Float.compare(b.score(), a.score()));
    assertThat(ok.inferMs()).isPositive();
    assertThat(ok.totalMs()).isGreaterThanOrEqualTo(ok.inferMs());
    FrameResult.Rejected notImage = (FrameResult.Rejected) all.stream().filter(r -> r.frame() == 20).findFirst().orElseThrow();
    assertThat(notImage.code()).isEqualTo(FrameResult.IMAGE_REJECTED);
    assertThat(notImage.reason()).startsWith("not_an_image");
    FrameResult.Rejected cut = (FrameResult.Rejected) all.stream().filter(r -> r.frame() == 30).findFirst().orElseThrow();
    assertThat(cut.reason()).startsWith("truncated");
    FrameResult.Detected strict = (FrameResult.Detected) all.stream().filter(r -> r.frame() == 40).findFirst().orElseThrow();
    assertThat(strict.detections()).allMatch(d -> d.score() >= 0.999);
    assertThat(registry.get("jdetr.frames.processed").counter().count()).isEqualTo(2);
    assertThat(registry.get("jdetr.frames.rejected").tag("code", "IMAGE_REJECTED").counter().count()).isEqualTo(2);
  }

  @Test
  void aClosedStreamsFrameInLineIsDroppedAndCounted() throws Exception {
    // a service whose detector thread does not run: frames stay in line
    SimpleMeterRegistry own = new SimpleMeterRegistry();
    DetectionService idle = new DetectionService(ServeConfig.defaults(), c -> new ShapesThresholdDetector(),
        new ServeMetrics(own, 8));
    byte[] image = ShapesScene.jpeg(ShapesScene.random(5, 320, 240, 3, 0).render(0), 0.9f);
    assertThat(idle.submit(9, frame(99, image, 0.5))).isFalse();
    assertThat(idle.submit(9, frame(100, image, 0.5))).isTrue();
    assertThat(idle.waiting()).isEqualTo(1);
    idle.streamClosed(9);
    assertThat(idle.waiting()).isZero();
    assertThat(own.get("jdetr.frames.dropped").tag("reason", "superseded").counter().count()).isEqualTo(1);
    assertThat(own.get("jdetr.frames.dropped").tag("reason", "closed").counter().count()).isEqualTo(1);
    idle.stop();
    assertThat(replies).isEmpty();
  }

  @Test
  void stoppingAnswersWaitingFramesAndRefusesNewOnes() throws Exception {
    service.stop();
    thread.join(10_000);
    service.submit(1, frame(5, HostileImages.notAnImage(), 0.5));
    FrameResult.Rejected r = (FrameResult.Rejected) next();
    assertThat(r.code()).isEqualTo(FrameResult.SHUTTING_DOWN);
    assertThat(service.ready()).isFalse();
  }
}
