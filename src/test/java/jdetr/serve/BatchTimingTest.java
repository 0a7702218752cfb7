package jdetr.serve;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BatchTimingTest {

  @Test
  void claimsAtOnceUntilBothDurationsAreKnown() {
    BatchTiming t = new BatchTiming();
    assertThat(t.claimAt(1_000, 8)).isEqualTo(1_000);
    t.modelRan(8, 800_000_000);
    assertThat(t.claimAt(1_000, 8)).isEqualTo(1_000);
  }

  @Test
  void claimsThePreparationTimeWithAMarginBeforeTheExpectedEnd() {
    BatchTiming t = new BatchTiming();
    t.modelRan(4, 400_000_000);
    t.prepared(40_000_000);
    // a batch of 4 runs since 1 s: expected end 1.4 s; preparing takes 40 ms, started 60 ms early
    assertThat(t.claimAt(1_000_000_000L, 4)).isEqualTo(1_340_000_000L);
  }

  @Test
  void aBatchSizeNotSeenYetClaimsAtOnce() {
    BatchTiming t = new BatchTiming();
    t.modelRan(1, 250_000_000);
    t.prepared(40_000_000);
    assertThat(t.claimAt(0, 1)).isEqualTo(190_000_000L);
    assertThat(t.claimAt(0, 4)).isZero();
    assertThat(t.claimAt(0, 2)).isZero();
  }

  @Test
  void eachBatchSizeHasItsOwnTime() {
    // a model with a fixed time per batch, batches of 1 and 4 alternating: a batch of 4 is not
    // expected to take four times as long
    BatchTiming t = new BatchTiming();
    t.prepared(40_000_000);
    for (int i = 0; i < 6; i++) {
      t.modelRan(i % 2 == 0 ? 1 : 4, 250_000_000);
    }
    assertThat(t.claimAt(0, 4)).isEqualTo(190_000_000L);
    assertThat(t.claimAt(0, 1)).isEqualTo(190_000_000L);
  }

  @Test
  void neverBeforeTheRunningBatchStarted() {
    BatchTiming t = new BatchTiming();
    t.modelRan(1, 1_000_000);
    t.prepared(50_000_000);
    assertThat(t.claimAt(5_000, 1)).isEqualTo(5_000);
  }

  @Test
  void followsChangesAsAMovingAverage() {
    BatchTiming t = new BatchTiming();
    t.prepared(0);
    t.modelRan(4, 400);
    t.modelRan(4, 800); // 400 + 0.25 * 400
    assertThat(t.claimAt(0, 4)).isEqualTo(500);
    for (int i = 0; i < 100; i++) {
      t.modelRan(4, 800);
    }
    assertThat(t.claimAt(0, 4)).isBetween(799L, 800L); // converged
  }
}
