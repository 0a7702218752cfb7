package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdetr.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test-matrix row K1 (process-kill variant): a JVM saving checkpoints in a loop is killed with
 * SIGKILL at a random moment, again and again; after each kill {@code LATEST} must name a
 * checkpoint that verifies without any fallback, at least as new as the last save the child
 * reported, and the next save removes whatever the killed save left behind. The loop stops after
 * {@value #MAX_KILLS} kills or {@value #BUDGET_SECONDS} s, whichever comes first (JVM start-up
 * dominates; on a loaded 2-core machine about 15 kills fit).
 */
class CheckpointCrashTest {
  private static final int MAX_KILLS = 30;
  private static final int MIN_KILLS = 8;
  private static final int BUDGET_SECONDS = 45;

  @TempDir Path root;

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void sigkillDuringSavesNeverLeavesLatestAtAPartialCheckpoint() throws Exception {
    CheckpointStore store = new CheckpointStore(root, CheckpointSaveLoop.KEEP_LAST);
    Random random = new Random(42);
    long nextStep = 1;
    int kills = 0;
    int killsMidSave = 0;
    long start = System.nanoTime();
    long budget = TimeUnit.SECONDS.toNanos(BUDGET_SECONDS);
    while (kills < MAX_KILLS && (System.nanoTime() - start < budget || kills < MIN_KILLS)) {
      long lastReported;
      try (ChildJvm child = ChildJvm.start("saver-" + kills, Path.of("target", "child-logs"),
          ChildJvm.testClasspathWithoutLogging(), List.of(), CheckpointSaveLoop.class.getName(),
          List.of(root.toString(), Long.toString(nextStep)))) {
        child.awaitLine(l -> l.startsWith("saved "), Duration.ofSeconds(40));
        Thread.sleep(random.nextInt(400));
        child.kill();
        kills++;
        child.drain();
        List<String> saved = child.seen().stream().filter(l -> l.startsWith("saved ")).toList();
        lastReported = Long.parseLong(saved.get(saved.size() - 1).substring(6));
      }
      if (!store.leftovers().isEmpty()) {
        killsMidSave++;
      }
      SavedCheckpoint latest = store.loadLatest().orElseThrow();
      assertThat(latest.rejected()).as("kill %d: LATEST must verify as is", kills).isEmpty();
      assertThat(latest.step()).isBetween(lastReported, lastReported + 1);
      assertThat(Files.readAllBytes(latest.file("model.safetensors")))
          .isEqualTo(CheckpointSaveLoop.content(latest.step(), "model", 1 << 20));
      assertThat(Files.readString(latest.file("state.json")))
          .isEqualTo("{\"step\":" + latest.step() + "}");
      nextStep = latest.step() + 1;
    }
    assertThat(killsMidSave).as("kills that interrupted a save").isPositive();
    store.save(nextStep, CheckpointSaveLoop.writer(nextStep));
    assertThat(store.leftovers()).isEmpty();
    assertThat(store.steps()).hasSizeLessThanOrEqualTo(CheckpointSaveLoop.KEEP_LAST);
    System.out.printf("{\"test\":\"checkpoint-crash\",\"kills\":%d,\"killsMidSave\":%d,\"seconds\":%.1f}%n",
        kills, killsMidSave, (System.nanoTime() - start) / 1e9);
  }
}
