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
    t.modelRan(8, 800_000_000); // 100 ms a frame
    t.prepared(40_000_000);
    // a batch of 4 runs since 1 s: expected end 1.4 s; preparing takes 40 ms, started 60 ms early
    assertThat(t.claimAt(1_000_000_000L, 4)).isEqualTo(1_340_000_000L);
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
    t.modelRan(1, 100);
    t.modelRan(1, 200); // 100 + 0.25 * 100
    assertThat(t.claimAt(0, 4)).isEqualTo(500);
    for (int i = 0; i < 100; i++) {
      t.modelRan(2, 400);
    }
    assertThat(t.claimAt(0, 4)).isBetween(799L, 800L); // converged
  }
}
