package jdetr.bus;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pull-based requests to one event-bus address with at most {@code credits} in flight.
 *
 * <p>The event bus silently drops messages past a consumer's buffer, so no stage pushes: the
 * consumer of results asks, and this class keeps the number of outstanding requests bounded.
 * Requests must be pure and idempotent: a request without a reply within the timeout (lost
 * message, killed node) or with no handler is sent again, the oldest first. After
 * {@link Policy#attempts()} failed sends the request is computed by the local fallback, if one was
 * given, or fails with a {@link RequestFailedException}. A responder that replies with a failure
 * ({@code RECIPIENT_FAILURE}) fails that request at once: the same input would fail again.
 *
 * <p>With a fallback, a {@code NO_HANDLERS} failure means no node serves the address at all: the
 * requester says so once, computes that request and the following ones locally without sending
 * them, and sends one request every {@link #PROBE_INTERVAL} to notice a node that joins; the first
 * one answered switches back to the bus (said once too). A node that is gone but still registered
 * shows as timeouts, which keep the retry path above.
 *
 * <p>Futures complete in the order the requests were made, whatever order replies arrive in. A
 * timed-out send is abandoned (Vert.x drops its late reply), so every request completes once.
 *
 * <p>All state lives on one context, given at construction; {@link #request} may be called from
 * any thread, including a thread that then blocks on the future — as long as it is not the
 * context's own thread.
 *
 * @param <Q> request body type (with a codec registered on every node)
 * @param <R> reply body type
 */
public final class CreditedRequester<Q, R> {
  private static final Logger LOG = LoggerFactory.getLogger(CreditedRequester.class);

  /** Message header carrying the attempt number (1 for the first send). */
  public static final String ATTEMPT_HEADER = "jdetr-attempt";

  /** While no node serves the address, how often one request is sent to look for one. */
  public static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);

  /**
   * How requests are sent.
   *
   * @param credits maximum requests in flight (sent and not yet answered, or computed locally)
   * @param timeout per-send reply timeout
   * @param attempts sends per request before the fallback is used (or the request fails)
   * @param retryDelay pause before sending again after NO_HANDLERS or a transport error (a
   *     timeout has already waited)
   */
  public record Policy(int credits, Duration timeout, int attempts, Duration retryDelay) {
    public Policy {
      if (credits < 1 || attempts < 1 || timeout.isNegative() || timeout.isZero()
          || retryDelay.isNegative()) {
        throw new IllegalArgumentException("invalid request policy " + credits + " credits, "
            + timeout + " timeout, " + attempts + " attempts, " + retryDelay + " retry delay");
      }
    }
  }

  /** Computes a request locally when no responder answers. Runs on a worker thread. */
  @FunctionalInterface
  public interface LocalFallback<Q, R> {
    R compute(Q request) throws Exception;
  }

  /**
   * Counters since construction; {@code responders} counts answered requests by the
   * {@link Responder#HEADER} of the reply ({@link Responder#LOCAL} for local computations).
   */
  public record Stats(long requests, long sends, long retries, long timeouts, long noHandlers,
      long fallbacks, long failures, int inFlight, int maxInFlight, Map<String, Long> responders) {
    public Stats {
      responders = Map.copyOf(responders);
    }
  }

  private final Context context;
  private final EventBus bus;
  private final String address;
  private final Policy policy;
  private final LocalFallback<Q, R> fallback;

  // Confined to `context`.
  private final PriorityQueue<Entry> waiting = new PriorityQueue<>(Comparator.comparingLong(e -> e.seq));
  private final ArrayDeque<Entry> undelivered = new ArrayDeque<>();
  private long nextSeq;
  private int inFlight;
  private boolean closed;
  /** No node serves the address: requests are computed locally, with a probe now and then. */
  private boolean absent;
  private long lastProbeNanos;

  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong sends = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong timeouts = new AtomicLong();
  private final AtomicLong noHandlers = new AtomicLong();
  private final AtomicLong fallbacks = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicInteger inFlightNow = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final Map<String, AtomicLong> responders = new ConcurrentHashMap<>();

  /**
   * @param context where replies are handled (an event-loop context, or a worker context that is
   *     never blocked waiting for these replies)
   * @param address the address served by the responders
   * @param policy credits, timeout and attempts
   * @param fallback local computation when no responder answers, or null to fail instead
   */
  public CreditedRequester(Context context, String address, Policy policy, LocalFallback<Q, R> fallback) {
    this.context = context;
    this.bus = context.owner().eventBus();
    this.address = address;
    this.policy = policy;
    this.fallback = fallback;
  }

  /** The address requests go to. */
  public String address() {
    return address;
  }

  /** Queues a request; the future completes after those of every earlier request. */
  public Future<R> request(Q body) {
    Entry entry = new Entry(body);
    requests.incrementAndGet();
    context.runOnContext(v -> enqueue(entry));
    return entry.promise.future();
  }

  /** Fails every request not yet completed; later requests fail at once. */
  public void close() {
    context.runOnContext(v -> {
      closed = true;
      waiting.clear();
      RequestFailedException closedError = new RequestFailedException(
          address + ": requester closed", ReplyFailure.ERROR, 0, null);
      for (Entry e : undelivered) {
        e.promise.tryFail(closedError);
      }
      undelivered.clear();
    });
  }

  public Stats stats() {
    Map<String, Long> by = new TreeMap<>();
    responders.forEach((who, n) -> by.put(who, n.get()));
    return new Stats(requests.get(), sends.get(), retries.get(), timeouts.get(), noHandlers.get(),
        fallbacks.get(), failures.get(), inFlightNow.get(), maxInFlight.get(), by);
  }

  private void enqueue(Entry entry) {
    if (closed) {
      entry.promise.tryFail(new RequestFailedException(address + ": requester closed",
          ReplyFailure.ERROR, 0, null));
      return;
    }
    entry.seq = nextSeq++;
    undelivered.add(entry);
    waiting.add(entry);
    pump();
  }

  private void pump() {
    while (!closed && inFlight < policy.credits() && !waiting.isEmpty()) {
      Entry e = waiting.poll();
      inFlight++;
      maxInFlight.accumulateAndGet(inFlightNow.incrementAndGet(), Math::max);
      if (e.local) {
        computeLocally(e);
      } else if (absent && System.nanoTime() - lastProbeNanos < PROBE_INTERVAL.toNanos()) {
        fallbacks.incrementAndGet();
        e.local = true;
        computeLocally(e);
      } else {
        if (absent) {
          lastProbeNanos = System.nanoTime();
        }
        send(e);
      }
    }
  }

  private void release() {
    inFlight--;
    inFlightNow.decrementAndGet();
  }

  private void send(Entry e) {
    e.attempts++;
    sends.incrementAndGet();
    DeliveryOptions options = new DeliveryOptions()
        .setSendTimeout(policy.timeout().toMillis())
        .addHeader(ATTEMPT_HEADER, Integer.toString(e.attempts));
    bus.<R>request(address, e.body, options).onComplete(ar -> {
      release();
      if (ar.succeeded()) {
        String who = ar.result().headers().get(Responder.HEADER);
        if (absent) {
          absent = false;
          LOG.info("{}: {} answers; requests go over the event bus again", address,
              who == null ? "a node" : who);
        }
        answeredBy(who == null ? "unnamed" : who);
        settle(e, Future.succeededFuture(ar.result().body()));
      } else {
        onFailure(e, ar.cause());
      }
      pump();
    });
  }

  private void onFailure(Entry e, Throwable cause) {
    ReplyFailure kind = cause instanceof ReplyException re ? re.failureType() : ReplyFailure.ERROR;
    switch (kind) {
      case RECIPIENT_FAILURE -> {
        failures.incrementAndGet();
        settle(e, Future.failedFuture(new RequestFailedException(
            address + ": the responder failed on " + e.body + ": " + cause.getMessage(),
            kind, e.attempts, cause)));
        return;
      }
      case TIMEOUT -> timeouts.incrementAndGet();
      case NO_HANDLERS -> noHandlers.incrementAndGet();
      default -> { }
    }
    if (kind == ReplyFailure.NO_HANDLERS && fallback != null) {
      fallbacks.incrementAndGet();
      if (!absent) {
        absent = true;
        lastProbeNanos = System.nanoTime();
        LOG.warn("{}: no node serves it{}; computing it locally until one does (looking for one"
            + " every {} s)", address, Addresses.servedBy(address), PROBE_INTERVAL.toSeconds());
      }
      e.local = true;
      requeue(e, 0);
      return;
    }
    String reason = switch (kind) {
      case TIMEOUT -> "no reply within " + policy.timeout().toMillis() + " ms";
      case NO_HANDLERS -> "no handlers";
      default -> cause.toString();
    };
    if (e.attempts < policy.attempts()) {
      retries.incrementAndGet();
      LOG.info("{}: {} for {} (attempt {} of {}); sending again", address, reason, e.body,
          e.attempts, policy.attempts());
      long delay = kind == ReplyFailure.TIMEOUT ? 0 : policy.retryDelay().toMillis();
      requeue(e, delay);
    } else if (fallback != null) {
      fallbacks.incrementAndGet();
      LOG.warn("{}: {} for {} after {} attempts; computing it locally", address, reason, e.body,
          e.attempts);
      e.local = true;
      requeue(e, 0);
    } else {
      failures.incrementAndGet();
      settle(e, Future.failedFuture(new RequestFailedException(address + ": " + reason + " for "
          + e.body + " after " + e.attempts + " attempts", kind, e.attempts, cause)));
    }
  }

  private void requeue(Entry e, long delayMs) {
    if (delayMs <= 0) {
      waiting.add(e);
    } else {
      context.owner().setTimer(delayMs, t -> {
        if (!closed) {
          waiting.add(e);
          pump();
        }
      });
    }
  }

  private void computeLocally(Entry e) {
    context.executeBlocking(() -> fallback.compute(e.body), false).onComplete(ar -> {
      release();
      if (ar.failed()) {
        failures.incrementAndGet();
        settle(e, Future.failedFuture(new RequestFailedException(address
            + ": local computation failed on " + e.body + ": " + ar.cause(),
            ReplyFailure.RECIPIENT_FAILURE, e.attempts, ar.cause())));
      } else {
        answeredBy(Responder.LOCAL);
        settle(e, ar);
      }
      pump();
    });
  }

  private void answeredBy(String who) {
    responders.computeIfAbsent(who, k -> new AtomicLong()).incrementAndGet();
  }

  /** Records the outcome of {@code e} and completes every leading request that has one. */
  private void settle(Entry e, AsyncResult<R> outcome) {
    e.outcome = outcome;
    while (!undelivered.isEmpty() && undelivered.peek().outcome != null) {
      Entry head = undelivered.poll();
      if (head.outcome.succeeded()) {
        head.promise.tryComplete(head.outcome.result());
      } else {
        head.promise.tryFail(head.outcome.cause());
      }
    }
  }

  private final class Entry {
    final Q body;
    final Promise<R> promise = Promise.promise();
    long seq;
    int attempts;
    boolean local;
    AsyncResult<R> outcome;

    Entry(Q body) {
      this.body = body;
    }
  }

  @Override
  public String toString() {
    return "CreditedRequester[" + address + ", " + policy.credits() + " credits]";
  }
}
