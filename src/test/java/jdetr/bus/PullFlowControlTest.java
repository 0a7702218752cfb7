package jdetr.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.MessageConsumerOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Test-matrix row C7: a producer faster than its consumer. The consumer takes one message at a
 * time (pause/fetch) and buffers at most {@value #BUFFER}; Vert.x discards what does not fit and
 * counts it in the {@code vertx.eventbus.discarded} metric. Pulling with credits never fills the
 * buffer; pushing everything at once does.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PullFlowControlTest {
  private static final String ADDRESS = "test.slow";
  private static final int BUFFER = 100;
  private static final int REQUESTS = 5_000;

  private SimpleMeterRegistry registry;
  private Vertx vertx;
  private final AtomicInteger processed = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    registry = new SimpleMeterRegistry();
    vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        MessageConsumer<Integer> consumer = vertx.eventBus().consumer(
            new MessageConsumerOptions().setAddress(ADDRESS).setMaxBufferedMessages(BUFFER));
        consumer.handler(msg -> {
          consumer.pause(); // one at a time: the next message waits in the consumer's buffer
          vertx.executeBlocking(() -> msg.body() * 2).onComplete(ar -> {
            processed.incrementAndGet();
            msg.reply(ar.result());
            consumer.fetch(1);
          });
        });
        return consumer.completion();
      }
    }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private double discarded() {
    return registry.getMeters().stream()
        .filter(m -> m.getId().getName().equals("vertx.eventbus.discarded"))
        .mapToDouble(m -> ((Counter) m).count())
        .sum();
  }

  @Test
  void pullingWithCreditsDiscardsNothing() throws Exception {
    CreditedRequester<Integer, Integer> requester = new CreditedRequester<>(
        vertx.getOrCreateContext(), ADDRESS,
        new CreditedRequester.Policy(8, Duration.ofSeconds(10), 3, Duration.ofMillis(10)), null);
    List<Future<Integer>> futures = new ArrayList<>(REQUESTS);
    for (int i = 0; i < REQUESTS; i++) {
      futures.add(requester.request(i));
    }
    Future.all(futures).toCompletionStage().toCompletableFuture().get(50, TimeUnit.SECONDS);
    for (int i = 0; i < REQUESTS; i++) {
      assertThat(futures.get(i).result()).isEqualTo(2 * i);
    }
    assertThat(discarded()).isZero();
    assertThat(processed.get()).isEqualTo(REQUESTS);
    assertThat(requester.stats().retries()).isZero();
    assertThat(requester.stats().maxInFlight()).isEqualTo(8);
  }

  @Test
  void pushingEverythingAtOnceLosesMessagesSilently() throws Exception {
    // Documents the hazard the pull protocol avoids: the sender sees nothing but timeouts.
    vertx.getOrCreateContext().runOnContext(v -> {
      for (int i = 0; i < REQUESTS; i++) {
        vertx.eventBus().send(ADDRESS, i);
      }
    });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (processed.get() + discarded() < REQUESTS && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(discarded()).isPositive();
    assertThat(processed.get() + discarded()).isEqualTo(REQUESTS);
  }
}
