package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdetr.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test-matrix row K1 at system-call granularity: a JVM saving one 2 MB checkpoint (stage, then
 * commit) runs under {@code strace}, which delivers SIGKILL on the N-th {@code write},
 * {@code fsync} or {@code rename} of the saving thread. After every kill {@code LATEST} names a
 * checkpoint that verifies as is (the previous one, or the new one once its {@code LATEST} was
 * renamed into place), and the next save leaves no {@code .tmp-*} behind.
 *
 * <p>The saving thread makes 259 writes (two 1 MiB files in 8 KiB chunks, state.json, the
 * manifest, LATEST), 8 fsyncs (3 files, manifest, staged directory, root after the directory
 * rename, LATEST's temp file, root after the LATEST rename) and 2 renames. The samples cover each
 * phase: an early and a middle chunk of the model file, state.json, the manifest, LATEST's temp
 * file; every fsync between staging and commit; both renames. Counts are per thread; the main
 * thread writes 6 times in all, so write samples from 7 on hit the saving thread. (No
 * {@code --seccomp-bpf}: strace 6.1 then misses the injections in the JVM's threads.)
 */
class CheckpointSyscallKillTest {
  private static final List<String> SAMPLES = List.of(
      "write:10", "write:130", "write:257", "write:258", "write:259",
      "fsync:1", "fsync:4", "fsync:5", "fsync:6", "fsync:7", "fsync:8",
      "rename:1", "rename:2");

  @TempDir Path root;

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void sigkillAtSampledSystemCallsNeverLeavesLatestAtAPartialCheckpoint() throws Exception {
    CheckpointStore store = new CheckpointStore(root, CheckpointSaveLoop.KEEP_LAST);
    store.save(1, CheckpointSaveLoop.writer(1));
    long latestStep = 1;
    int keptOld = 0;
    int tookNew = 0;
    int leftTemp = 0;
    List<String> outcomes = new ArrayList<>();
    long start = System.nanoTime();
    for (String sample : SAMPLES) {
      String syscall = sample.split(":")[0];
      String when = sample.split(":")[1];
      long step = latestStep + 1;
      List<String> strace = List.of("strace", "-f", "-qq", "-o", "/dev/null",
          "-e", "trace=" + syscall, "-e", "inject=" + syscall + ":signal=KILL:when=" + when, "--");
      int exit;
      try (ChildJvm child = ChildJvm.startUnder(strace, "k1-" + syscall + "-" + when,
          Path.of("target", "child-logs"), ChildJvm.testClasspathWithoutLogging(),
          List.of("-XX:-UsePerfData"), CheckpointSaveOnce.class.getName(),
          List.of(root.toString(), Long.toString(step)))) {
        exit = child.awaitExit(Duration.ofSeconds(60));
        child.drain();
        assertThat(child.seen()).as("%s: the save was killed before it finished; stderr: %s", sample,
            child.stderrTail()).doesNotContain("saved " + step);
      }
      assertThat(exit).as("%s: killed (SIGKILL)", sample).isEqualTo(128 + 9);
      if (!store.leftovers().isEmpty()) {
        leftTemp++;
      }
      SavedCheckpoint latest = store.loadLatest().orElseThrow();
      assertThat(latest.rejected()).as("%s: LATEST must verify as is", sample).isEmpty();
      assertThat(latest.step()).as(sample).isBetween(latestStep, step);
      assertThat(Files.readAllBytes(latest.file("model.safetensors")))
          .isEqualTo(CheckpointSaveLoop.content(latest.step(), "model", 1 << 20));
      if (latest.step() == step) {
        tookNew++;
      } else {
        keptOld++;
      }
      outcomes.add(sample + "->" + CheckpointStore.dirName(latest.step()));
      latestStep = latest.step();
    }
    assertThat(keptOld).as("kills before the LATEST rename keep the previous checkpoint: %s", outcomes)
        .isGreaterThanOrEqualTo(10);
    assertThat(tookNew).as("a kill after the LATEST rename keeps the new one: %s", outcomes).isPositive();
    assertThat(leftTemp).as("kills mid-save leave temp files for the next save to remove").isPositive();
    store.save(latestStep + 1, CheckpointSaveLoop.writer(latestStep + 1));
    assertThat(store.leftovers()).isEmpty();
    assertThat(store.loadLatest().orElseThrow().step()).isEqualTo(latestStep + 1);
    System.out.printf("{\"test\":\"checkpoint-syscall-kill\",\"samples\":%d,\"keptOld\":%d,\"tookNew\":%d,"
        + "\"leftTemp\":%d,\"seconds\":%.1f,\"outcomes\":\"%s\"}%n", SAMPLES.size(), keptOld, tookNew,
        leftTemp, (System.nanoTime() - start) / 1e9, outcomes);
  }
}
