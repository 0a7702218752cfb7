package jdetr.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import jdetr.data.RgbImage;
import jdetr.eval.Detection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The detection loop: frames are decoded and prepared off the detector thread, results come back
 * in frame order per stream, every frame is answered once or counted as superseded; the next batch
 * is prepared after the model is done with the running one, or, with prepareAhead, while it runs.
 */
@Timeout(60)
class DetectionLoopTest {

  private static final long MODEL_MILLIS = 250;
  /**
   * Preparing a frame takes this long too, so that prepareAhead claims the next batch well before
   * the running one ends (a batch of 4 on 3 threads: about 80 ms, claimed with a margin of 1.5x at
   * about 130 ms of 250), not within the wake-up jitter of a busy machine.
   */
  private static final long PREPARE_MILLIS = 40;

  /** The colour-threshold detector, with a model step that takes a fixed time; records when things ran. */
  static final class PacedDetector implements Detector<ShapesThresholdDetector.Hues> {
    final ShapesThresholdDetector shapes = new ShapesThresholdDetector();
    final List<long[]> prepares = Collections.synchronizedList(new ArrayList<>()); // {start, end}
    final List<long[]> batches = Collections.synchronizedList(new ArrayList<>()); // {start, end, size}
    volatile String detectThread;
    volatile boolean preparedOnDetectThread;

    @Override
    public List<String> classNames() {
      return shapes.classNames();
    }

    @Override
    public ShapesThresholdDetector.Hues prepare(RgbImage frame) {
      long start = System.nanoTime();
      preparedOnDetectThread |= Thread.currentThread().getName().equals(detectThread);
      ShapesThresholdDetector.Hues hues = shapes.prepare(frame);
      try {
        Thread.sleep(PREPARE_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      prepares.add(new long[] {start, System.nanoTime()});
      return hues;
    }

    @Override
    public List<List<Detection>> detect(List<ShapesThresholdDetector.Hues> frames) {
      detectThread = Thread.currentThread().getName();
      long start = System.nanoTime();
      try {
        Thread.sleep(MODEL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      List<List<Detection>> out = shapes.detect(frames);
      batches.add(new long[] {start, System.nanoTime(), frames.size()});
      return out;
    }

    @Override
    public String description() {
      return "paced shapes-threshold";
    }
  }

  @Test
  void byDefaultTheNextBatchIsPreparedOnceTheModelIsDone() throws Exception {
    PacedDetector detector = serveEightBatches(false);
    List<long[]> batches = new ArrayList<>(detector.batches);
    List<long[]> prepares = new ArrayList<>(detector.prepares);
    for (long[] b : batches) {
      assertThat(prepares).as("no frame prepared while the model runs").noneMatch(p -> overlap(p, b));
    }
  }

  @Test
  void withPrepareAheadTheNextBatchIsPreparedWhileTheModelRuns() throws Exception {
    PacedDetector detector = serveEightBatches(true);
    // the prepares of batch k+1 run while batch k runs, not after it ended
    List<long[]> batches = new ArrayList<>(detector.batches);
    List<long[]> prepares = new ArrayList<>(detector.prepares);
    int overlapped = 0;
    for (int k = 1; k + 1 < batches.size(); k++) {
      long[] b = batches.get(k);
      overlapped += prepares.stream().anyMatch(p -> overlap(p, b)) ? 1 : 0;
    }
    String seen = String.format("batches %d, sizes %s; next batch prepared during the running one in %d of %d",
        batches.size(), batches.stream().map(b -> b[2]).toList(), overlapped, batches.size() - 2);
    System.out.println("prepare ahead: " + seen);
    // how many overlap depends on when the answered streams' next frames arrive; without
    // prepareAhead none can (the test above)
    assertThat(overlapped).as(seen).isPositive();
  }

  /**
   * Whether a frame's preparation {start, end} and a model run {start, end, …} overlap in time. A
   * batch claimed as soon as the running one starts (while the preparation time is still
   * overestimated) begins preparing a moment before {@code detect} records its start, so a start
   * inside the run is not the test.
   */
  private static boolean overlap(long[] prepare, long[] batch) {
    return prepare[0] < batch[1] && prepare[1] > batch[0];
  }

  /** Four streams, each keeping two frames unanswered, until eight batches ran; checks order and counts. */
  private PacedDetector serveEightBatches(boolean prepareAhead) throws Exception {
    PacedDetector detector = new PacedDetector();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ServeConfig config = ServeConfig.defaults().withSetting("maxBatch", "4").withSetting("maxDelayMs", "5")
        .withSetting("decodeThreads", "2").withSetting("prepareAhead", Boolean.toString(prepareAhead));
    DetectionService service = new DetectionService(config, c -> detector, new ServeMetrics(registry, 4));
    Thread thread = new Thread(service, "test-detector");
    thread.start();
    service.loaded().get(30, TimeUnit.SECONDS);
    byte[] jpeg = ShapesScene.jpeg(ShapesScene.random(3, 320, 240, 3, 0).render(0), 0.9f);

    int streams = 4;
    LinkedBlockingQueue<long[]> answers = new LinkedBlockingQueue<>(); // {stream, frame, superseded, error?}
    Map<Long, Integer> unanswered = new HashMap<>();
    Map<Long, Long> nextId = new HashMap<>();
    long sent = 0;
    long answered = 0;
    long superseded = 0;
    Map<Long, Long> lastAnswered = new HashMap<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
    try {
      while (detector.batches.size() < 8) {
        assertThat(System.nanoTime()).as("8 batches within 40 s").isLessThan(deadline);
        for (long s = 1; s <= streams; s++) { // each stream keeps two frames unanswered
          while (unanswered.getOrDefault(s, 0) < 2) {
            long id = nextId.merge(s, 1L, Long::sum);
            long stream = s;
            service.submit(s, new Frame(id, jpeg, 0, jpeg.length, 0.5, System.nanoTime(),
                r -> answers.add(new long[] {stream, r.frame(), r.superseded(), r instanceof FrameResult.Rejected ? 1 : 0})));
            unanswered.merge(s, 1, Integer::sum);
            sent++;
          }
        }
        long[] a = answers.poll(10, TimeUnit.SECONDS);
        assertThat(a).as("an answer within 10 s").isNotNull();
        assertThat(a[3]).as("frame %d of stream %d rejected", a[1], a[0]).isZero();
        assertThat(a[1]).as("results of stream %d in frame order", a[0]).isGreaterThan(lastAnswered.getOrDefault(a[0], 0L));
        lastAnswered.put(a[0], a[1]);
        answered++;
        superseded += a[2];
        unanswered.merge(a[0], -(1 + (int) a[2]), Integer::sum);
      }
    } finally {
      service.stop();
      thread.join(10_000);
    }
    while (!answers.isEmpty()) { // answers of the last batch, or SHUTTING_DOWN for frames not run
      long[] a = answers.poll();
      answered++;
      superseded += a[2];
    }
    assertThat(answered + superseded + service.waiting()).as("every frame answered once or dropped").isEqualTo(sent);
    assertThat(detector.preparedOnDetectThread).as("frames are prepared off the detector thread").isFalse();
    return detector;
  }
}
