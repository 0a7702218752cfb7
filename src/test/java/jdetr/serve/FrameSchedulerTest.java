package jdetr.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import jdetr.serve.FrameScheduler.Waiting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FrameSchedulerTest {

  private static final long LONG = TimeUnit.SECONDS.toNanos(60);

  @Test
  void onlyTheNewestFrameOfAStreamWaits() throws Exception {
    FrameScheduler<String> s = new FrameScheduler<>(4, 0);
    assertThat(s.offer(1, "a")).isNull();
    assertThat(s.offer(1, "b").frame()).isEqualTo("a");
    assertThat(s.offer(1, "c").frame()).isEqualTo("b");
    assertThat(s.size()).isEqualTo(1);
    List<Waiting<String>> batch = s.takeBatch();
    assertThat(batch).singleElement().satisfies(w -> {
      assertThat(w.frame()).isEqualTo("c");
      assertThat(w.superseded()).isEqualTo(2);
    });
    assertThat(s.offer(1, "d")).isNull();
    assertThat(s.takeBatch().get(0).superseded()).isZero(); // counted from the last take
  }

  @Test
  void aFullBatchIsHandedOutWithoutWaitingForTheDelay() throws Exception {
    FrameScheduler<String> s = new FrameScheduler<>(3, LONG);
    s.offer(1, "a");
    s.offer(2, "b");
    s.offer(3, "c");
    assertThat(s.takeBatch()).extracting(Waiting::frame).containsExactly("a", "b", "c");
  }

  @Test
  void aPartialBatchWaitsForTheDelayOfItsOldestFrame() throws Exception {
    long delay = TimeUnit.MILLISECONDS.toNanos(150);
    FrameScheduler<String> s = new FrameScheduler<>(8, delay);
    long start = System.nanoTime();
    s.offer(1, "a");
    List<Waiting<String>> batch = s.takeBatch();
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(delay);
    assertThat(batch).extracting(Waiting::frame).containsExactly("a");
  }

  @Test
  void aFrameArrivingDuringTheDelayJoinsTheBatch() throws Exception {
    FrameScheduler<String> s = new FrameScheduler<>(2, LONG);
    CompletableFuture<List<Waiting<String>>> taken = CompletableFuture.supplyAsync(() -> {
      try {
        return s.takeBatch();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    s.offer(1, "a");
    Thread.sleep(50);
    assertThat(taken).isNotDone();
    s.offer(2, "b");
    assertThat(taken.get(10, TimeUnit.SECONDS)).extracting(Waiting::frame).containsExactly("a", "b");
  }

  @Test
  void aClaimedFrameIsNotReplacedAndTheNewerOneWaitsForTheNextBatch() throws Exception {
    FrameScheduler<String> s = new FrameScheduler<>(2, TimeUnit.SECONDS.toNanos(2));
    CompletableFuture<List<Waiting<String>>> first = CompletableFuture.supplyAsync(() -> {
      try {
        return s.takeBatch();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    s.offer(1, "1a");
    awaitClaimed(s, 1); // the taker has claimed 1a and waits for a second stream
    assertThat(s.offer(1, "1b")).as("1a is claimed, not replaced").isNull();
    assertThat(s.offer(1, "1c").frame()).isEqualTo("1b");
    assertThat(s.size()).isEqualTo(2);
    s.offer(2, "2a");
    assertThat(first.get(10, TimeUnit.SECONDS)).extracting(Waiting::frame).containsExactly("1a", "2a");
    List<Waiting<String>> second = s.takeBatch(); // after 1c's own delay
    assertThat(second).extracting(Waiting::frame).containsExactly("1c");
    assertThat(second.get(0).superseded()).isEqualTo(1);
  }

  @Test
  void closingHandsBackClaimedFramesToo() throws Exception {
    FrameScheduler<String> s = new FrameScheduler<>(4, LONG);
    CompletableFuture<List<Waiting<String>>> taken = CompletableFuture.supplyAsync(() -> {
      try {
        return s.takeBatch();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    s.offer(1, "claimed");
    awaitClaimed(s, 1);
    s.offer(1, "in line");
    assertThat(s.close()).extracting(Waiting::frame).containsExactly("claimed", "in line");
    assertThat(taken.get(10, TimeUnit.SECONDS)).isEmpty();
  }

  private static void awaitClaimed(FrameScheduler<?> s, int n) throws InterruptedException {
    while (s.claimed() < n) {
      Thread.sleep(5);
    }
  }

  @Test
  void slotsAreServedOldestFirstAndAReplacedSlotKeepsItsPlace() throws Exception {
    FrameScheduler<String> s = new FrameScheduler<>(2, 0);
    s.offer(1, "1a");
    s.offer(2, "2a");
    s.offer(3, "3a");
    s.offer(1, "1b");
    assertThat(s.takeBatch()).extracting(Waiting::frame).containsExactly("1b", "2a");
    assertThat(s.takeBatch()).extracting(Waiting::frame).containsExactly("3a");
  }

  @Test
  void removingAStreamDropsItsWaitingFrame() throws Exception {
    FrameScheduler<String> s = new FrameScheduler<>(4, 0);
    s.offer(1, "a");
    s.offer(2, "b");
    assertThat(s.remove(1).frame()).isEqualTo("a");
    assertThat(s.remove(1)).isNull();
    assertThat(s.takeBatch()).extracting(Waiting::frame).containsExactly("b");
  }

  @Test
  void closingWakesTheTakerAndReturnsWhatWaited() throws Exception {
    FrameScheduler<String> s = new FrameScheduler<>(4, LONG);
    CompletableFuture<List<Waiting<String>>> taken = CompletableFuture.supplyAsync(() -> {
      try {
        return s.takeBatch();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    s.offer(7, "x");
    Thread.sleep(50);
    assertThat(s.close()).extracting(Waiting::frame).containsExactly("x");
    assertThat(taken.get(10, TimeUnit.SECONDS)).isEmpty();
    assertThatThrownBy(() -> s.offer(1, "y")).isInstanceOf(IllegalStateException.class);
  }

  /**
   * Many producers on few streams against one consumer: every offered frame is either taken or
   * reported dropped exactly once, a stream's frames are taken in the order offered, and no more
   * than two frames per stream (one claimed, one in line) are ever held.
   */
  @Test
  void everyFrameIsTakenOrDroppedExactlyOnceAndAtMostTwoPerStreamAreHeld() throws Exception {
    int streams = 8;
    int perStream = 3000;
    FrameScheduler<long[]> s = new FrameScheduler<>(3, TimeUnit.MICROSECONDS.toNanos(200));
    AtomicLong dropped = new AtomicLong();
    AtomicInteger maxWaiting = new AtomicInteger();
    Map<Long, Long> lastTaken = new HashMap<>();
    List<Thread> producers = new ArrayList<>();
    for (int p = 0; p < streams; p++) {
      long stream = p;
      Thread t = new Thread(() -> {
        for (long seq = 1; seq <= perStream; seq++) {
          if (s.offer(stream, new long[] {stream, seq}) != null) {
            dropped.incrementAndGet();
          }
          maxWaiting.accumulateAndGet(s.size(), Math::max);
        }
      });
      producers.add(t);
      t.start();
    }
    long taken = 0;
    long supersededSum = 0;
    while (taken + dropped.get() < (long) streams * perStream) {
      List<Waiting<long[]>> batch = s.takeBatch();
      assertThat(batch.size()).isBetween(1, 3);
      for (Waiting<long[]> w : batch) {
        long previous = lastTaken.getOrDefault(w.stream(), 0L);
        assertThat(w.frame()[1]).isGreaterThan(previous);
        assertThat(w.superseded()).isEqualTo((int) (w.frame()[1] - previous - 1));
        lastTaken.put(w.stream(), w.frame()[1]);
        supersededSum += w.superseded();
        taken++;
      }
      if (producers.stream().noneMatch(Thread::isAlive) && s.size() == 0) {
        break;
      }
    }
    for (Thread t : producers) {
      t.join();
    }
    assertThat(taken + dropped.get()).isEqualTo((long) streams * perStream);
    assertThat(supersededSum).isEqualTo(dropped.get());
    assertThat(lastTaken.values()).allMatch(v -> v == perStream); // the newest frame is never dropped
    assertThat(maxWaiting.get()).isLessThanOrEqualTo(2 * streams);
  }
}
