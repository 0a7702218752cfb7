package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdetr.checkpoint.CheckpointStore;
import jdetr.checkpoint.SavedCheckpoint;
import jdetr.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test-matrix row K5: a training run (the plain loop, step checkpoints every 5 steps) whose batch
 * of step 7 is all NaN stops with a non-zero exit status and a message naming the step and the
 * non-finite terms, without a stack trace; {@code LATEST} names step 5, which verifies, and no
 * checkpoint was committed after it.
 */
class NonFiniteLossRunTest {

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void aNanAtStep7StopsTheRunWithLatestAtStep5(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("run");
    ObjectNode r = TrainResumeTest.recipe(tmp.resolve("shapes"), out);
    r.put("checkpoint_every_steps", 5).put("keep_checkpoints", 3);
    ((ObjectNode) r.get("data").get("synth")).put("train", 20);
    Path recipe = tmp.resolve("nan.json");
    Files.writeString(recipe, r.toPrettyString());

    int exit;
    String stderr;
    List<String> stdout;
    try (ChildJvm child = ChildJvm.start("train-nan-at-7", TestCluster.LOGS, List.of(),
        NanAtStepTrain.class.getName(), List.of(recipe.toString(), "7"))) {
      exit = child.awaitExit(Duration.ofSeconds(150));
      stdout = child.drain();
      stderr = Files.readString(child.stderrFile());
    }
    assertThat(exit).as("exit status; stdout %s; stderr %s", stdout, stderr).isEqualTo(1);
    assertThat(stderr).contains("jdetr train: non-finite loss at step 7: total=NaN (")
        .contains("non_finite_pred_logits=").contains("; stopping")
        .doesNotContain("\tat jdetr.");
    CheckpointStore store = new CheckpointStore(out.resolve("checkpoints"), 3);
    assertThat(Files.readString(store.root().resolve(CheckpointStore.LATEST)).strip()).isEqualTo("step-000005");
    SavedCheckpoint latest = store.loadLatest().orElseThrow();
    assertThat(latest.step()).isEqualTo(5);
    assertThat(latest.rejected()).isEmpty();
    assertThat(store.steps()).as("nothing committed after the NaN step").containsExactly(5L);
    assertThat(store.leftovers()).isEmpty();
  }
}
