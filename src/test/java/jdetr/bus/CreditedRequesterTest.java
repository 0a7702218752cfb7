package jdetr.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CreditedRequesterTest {
  private static final String ADDRESS = "test.double";

  /** Deploys a consumer on its own event loop; returns once it is registered. */
  static void deployConsumer(Vertx vertx, String address, Consumer<Message<Object>> handler)
      throws Exception {
    vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        return vertx.eventBus().consumer(address, handler::accept).completion();
      }
    }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static CreditedRequester.Policy policy(int credits, long timeoutMs, int attempts) {
    return new CreditedRequester.Policy(credits, Duration.ofMillis(timeoutMs), attempts,
        Duration.ofMillis(10));
  }

  @Test
  void neverMoreThanCreditsInFlightAndRepliesInRequestOrder(Vertx vertx) throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    Random delays = new Random(7);
    deployConsumer(vertx, ADDRESS, msg -> {
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      // Replies come back out of order: random delay per request.
      vertx.setTimer(1 + delays.nextInt(5), t -> {
        inFlight.decrementAndGet();
        msg.reply((Integer) msg.body() * 2);
      });
    });
    Context ctx = vertx.getOrCreateContext();
    CreditedRequester<Integer, Integer> requester =
        new CreditedRequester<>(ctx, ADDRESS, policy(4, 5_000, 3), null);
    List<Integer> completionOrder = new ArrayList<>();
    List<Future<Integer>> futures = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      int index = i;
      futures.add(requester.request(i).onSuccess(r -> {
        synchronized (completionOrder) {
          completionOrder.add(index);
        }
      }));
    }
    for (int i = 0; i < 200; i++) {
      assertThat(await(futures.get(i))).isEqualTo(2 * i);
    }
    assertThat(maxInFlight.get()).isEqualTo(4); // the window is used, never exceeded
    assertThat(requester.stats().maxInFlight()).isEqualTo(4);
    assertThat(completionOrder).isSorted().hasSize(200);
    assertThat(requester.stats().sends()).isEqualTo(200);
    assertThat(requester.stats().retries()).isZero();
  }

  /**
   * Two replies are never sent. The 1 s timeout is long enough that a loaded machine rarely times
   * out an answered request too, but the assertions hold if it does: each unit is answered
   * correctly, the dropped ones were delivered again, and every timeout was followed by exactly one
   * retry with the next attempt number.
   */
  @Test
  void droppedReplyIsRequestedAgain(Vertx vertx) throws Exception {
    Map<Integer, Integer> deliveries = new ConcurrentHashMap<>();
    List<String> wrongAttemptHeaders = java.util.Collections.synchronizedList(new ArrayList<>());
    deployConsumer(vertx, ADDRESS, msg -> {
      int n = (Integer) msg.body();
      int seen = deliveries.merge(n, 1, Integer::sum);
      String attempt = msg.headers().get(CreditedRequester.ATTEMPT_HEADER);
      if (!Integer.toString(seen).equals(attempt)) {
        wrongAttemptHeaders.add(n + ": delivery " + seen + " carried attempt " + attempt);
      }
      if ((n == 7 || n == 13) && seen == 1) {
        return; // lost reply: never answered
      }
      msg.reply(n * 2);
    });
    CreditedRequester<Integer, Integer> requester =
        new CreditedRequester<>(vertx.getOrCreateContext(), ADDRESS, policy(3, 1_000, 3), null);
    List<Future<Integer>> futures = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      futures.add(requester.request(i));
    }
    for (int i = 0; i < 20; i++) {
      assertThat(await(futures.get(i))).isEqualTo(2 * i);
    }
    assertThat(wrongAttemptHeaders).isEmpty();
    assertThat(deliveries.get(7)).as("the dropped unit 7 was sent again").isGreaterThanOrEqualTo(2);
    assertThat(deliveries.get(13)).as("the dropped unit 13 was sent again").isGreaterThanOrEqualTo(2);
    CreditedRequester.Stats stats = requester.stats();
    assertThat(stats.timeouts()).as("at least the two dropped replies timed out").isGreaterThanOrEqualTo(2);
    assertThat(stats.retries()).as("one retry per timeout").isEqualTo(stats.timeouts());
    assertThat(stats.sends()).isEqualTo(20 + stats.retries());
    assertThat(deliveries.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo((int) stats.sends());
    assertThat(stats.fallbacks()).isZero();
    assertThat(stats.failures()).isZero();
  }

  @Test
  void noHandlersFallsBackToLocalComputation(Vertx vertx) throws Exception {
    AtomicInteger localCalls = new AtomicInteger();
    CreditedRequester<Integer, Integer> requester = new CreditedRequester<>(
        vertx.getOrCreateContext(), "test.nobody", policy(2, 1_000, 3), n -> {
          localCalls.incrementAndGet();
          assertThat(Context.isOnWorkerThread()).isTrue();
          return n * 2;
        });
    List<Future<Integer>> futures = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      futures.add(requester.request(i));
    }
    for (int i = 0; i < 10; i++) {
      assertThat(await(futures.get(i))).isEqualTo(2 * i);
    }
    CreditedRequester.Stats stats = requester.stats();
    assertThat(localCalls.get()).isEqualTo(10);
    assertThat(stats.fallbacks()).isEqualTo(10);
    // The first NO_HANDLERS switches to local computation: no retries, and only the requests
    // that look for a node now and then are sent.
    assertThat(stats.retries()).isZero();
    assertThat(stats.noHandlers()).isPositive().isEqualTo(stats.sends());
    assertThat(stats.sends()).isLessThan(10);
    assertThat(stats.maxInFlight()).isLessThanOrEqualTo(2);
  }

  @Test
  void aNodeThatJoinsWhileRequestsAreComputedLocallyGetsThemAgain(Vertx vertx) throws Exception {
    CreditedRequester<Integer, Integer> requester = new CreditedRequester<>(
        vertx.getOrCreateContext(), "test.joins", policy(2, 5_000, 3), n -> -n);
    assertThat(await(requester.request(1))).isEqualTo(-1);
    deployConsumer(vertx, "test.joins", msg -> msg.reply((Integer) msg.body() * 2));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    int n = 2;
    int answer;
    do {
      assertThat(System.nanoTime()).as("the joined consumer answers within 20 s").isLessThan(deadline);
      answer = await(requester.request(n));
      assertThat(answer).isIn(-n, 2 * n);
      n++;
      Thread.sleep(20);
    } while (answer < 0);
    for (int i = 0; i < 5; i++) {
      assertThat(await(requester.request(100 + i))).isEqualTo(200 + 2 * i);
    }
    CreditedRequester.Stats stats = requester.stats();
    assertThat(stats.retries()).isZero();
    assertThat(stats.responders()).containsKey(Responder.LOCAL).containsKey("unnamed");
  }

  @Test
  void noHandlersWithoutFallbackFailsWithTheAddress(Vertx vertx) {
    CreditedRequester<Integer, Integer> requester = new CreditedRequester<>(
        vertx.getOrCreateContext(), "test.nobody", policy(2, 1_000, 2), null);
    assertThatThrownBy(() -> await(requester.request(5)))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(RequestFailedException.class)
        .hasMessage("test.nobody: no handlers for 5 after 2 attempts")
        .satisfies(e -> assertThat(((RequestFailedException) e).failure())
            .isEqualTo(ReplyFailure.NO_HANDLERS));
  }

  @Test
  void recipientFailureFailsOnlyThatRequestAndKeepsOrder(Vertx vertx) throws Exception {
    deployConsumer(vertx, ADDRESS, msg -> {
      int n = (Integer) msg.body();
      if (n == 3) {
        msg.fail(1, "non-finite cost at [2,0]");
      } else {
        msg.reply(n * 2);
      }
    });
    CreditedRequester<Integer, Integer> requester =
        new CreditedRequester<>(vertx.getOrCreateContext(), ADDRESS, policy(4, 5_000, 3), null);
    List<Future<Integer>> futures = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      futures.add(requester.request(i));
    }
    assertThat(await(futures.get(2))).isEqualTo(4);
    assertThatThrownBy(() -> await(futures.get(3)))
        .cause()
        .isInstanceOf(RequestFailedException.class)
        .hasMessageContaining("test.double: the responder failed on 3: non-finite cost at [2,0]");
    assertThat(await(futures.get(5))).isEqualTo(10);
    assertThat(requester.stats().sends()).isEqualTo(6); // not retried
  }

  @Test
  void lateResponderIsUsedOnceItAppears(Vertx vertx) throws Exception {
    CreditedRequester<Integer, Integer> requester = new CreditedRequester<>(
        vertx.getOrCreateContext(), "test.late", new CreditedRequester.Policy(2,
            Duration.ofSeconds(5), 100, Duration.ofMillis(20)), null);
    Future<Integer> first = requester.request(21);
    Thread.sleep(150);
    deployConsumer(vertx, "test.late", msg -> msg.reply((Integer) msg.body() * 2));
    assertThat(await(first)).isEqualTo(42);
    assertThat(requester.stats().noHandlers()).isPositive();
  }
}
