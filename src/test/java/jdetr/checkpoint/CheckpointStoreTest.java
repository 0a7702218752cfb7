package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CheckpointStoreTest {
  @TempDir Path root;

  /** Deterministic content of a checkpoint file for a step. */
  static byte[] content(long step, String file, int bytes) {
    byte[] b = new byte[bytes];
    new Random(step * 31 + file.hashCode()).nextBytes(b);
    return b;
  }

  static CheckpointWriter writer(long step) {
    return dir -> {
      Files.write(dir.resolve("model.safetensors"), content(step, "model", 1024));
      Files.write(dir.resolve("optimizer.safetensors"), content(step, "optimizer", 2048));
      Files.writeString(dir.resolve("state.json"), "{\"step\":" + step + "}");
    };
  }

  @Test
  void savesKeepsTheLastNAndLoadsTheLatest() throws IOException {
    CheckpointStore store = new CheckpointStore(root, 2);
    for (long step = 100; step <= 300; step += 100) {
      SavedCheckpoint saved = store.save(step, writer(step));
      assertThat(saved.dir()).isEqualTo(root.resolve(CheckpointStore.dirName(step)));
    }
    assertThat(store.steps()).containsExactly(200L, 300L);
    assertThat(Files.readString(root.resolve("LATEST"))).isEqualTo("step-000300\n");
    SavedCheckpoint loaded = store.loadLatest().orElseThrow();
    assertThat(loaded.step()).isEqualTo(300);
    assertThat(loaded.rejected()).isEmpty();
    assertThat(Files.readAllBytes(loaded.file("model.safetensors")))
        .isEqualTo(content(300, "model", 1024));
    assertThat(loaded.manifest().files()).extracting(CheckpointManifest.Entry::name)
        .containsExactly("model.safetensors", "optimizer.safetensors", "state.json");
    assertThat(loaded.manifest().file("optimizer.safetensors").orElseThrow().sha256())
        .isEqualTo(java.util.HexFormat.of().formatHex(sha256(content(300, "optimizer", 2048))));
    assertThat(store.leftovers()).isEmpty();
  }

  @Test
  void emptyRootHasNoCheckpoint() {
    assertThat(new CheckpointStore(root.resolve("none"), 3).loadLatest()).isEmpty();
  }

  static Stream<Arguments> corruptions() {
    return Stream.of(
        Arguments.of("bit flip", (Corruption) step3 -> flipBit(step3.resolve("model.safetensors"), 777),
            3L, 2L, "checksum mismatch in step-000003/model.safetensors (SHA-256 differs from the manifest)"),
        Arguments.of("truncation", (Corruption) step3 -> truncate(step3.resolve("model.safetensors"), 512),
            3L, 2L, "checksum mismatch in step-000003/model.safetensors (size 512 bytes, manifest says 1024"),
        Arguments.of("missing file", (Corruption) step3 -> Files.delete(step3.resolve("optimizer.safetensors")),
            3L, 2L, "missing file step-000003/optimizer.safetensors"),
        Arguments.of("manifest edited", (Corruption) step3 -> editManifest(step3),
            3L, 2L, "manifest digest mismatch in step-000003/manifest.json (edited or corrupt)"),
        Arguments.of("missing manifest", (Corruption) step3 -> Files.delete(step3.resolve("manifest.json")),
            3L, 2L, "missing manifest step-000003/manifest.json"),
        Arguments.of("LATEST names a missing directory",
            (Corruption) step3 -> Files.writeString(step3.getParent().resolve("LATEST"), "step-000009\n"),
            9L, 3L, "checkpoint directory step-000009 does not exist"));
  }

  interface Corruption {
    void apply(Path step3) throws IOException;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corruptions")
  void corruptedCheckpointFallsBackToThePreviousGoodOne(String what, Corruption corruption,
      long latest, long expectedStep, String expectedMessage) throws IOException {
    CheckpointStore store = new CheckpointStore(root, 5);
    for (long step = 1; step <= 3; step++) {
      store.save(step, writer(step));
    }
    corruption.apply(root.resolve("step-000003"));
    SavedCheckpoint loaded = store.loadLatest().orElseThrow();
    assertThat(loaded.step()).as(what).isEqualTo(expectedStep);
    assertThat(loaded.rejected()).hasSize(1);
    assertThat(loaded.rejected().get(0)).startsWith(expectedMessage);
    assertThat(Files.readAllBytes(loaded.file("model.safetensors")))
        .isEqualTo(content(expectedStep, "model", 1024));
    if (latest == 3) {
      assertThatThrownBy(() -> store.verify(3)).hasMessageStartingWith(expectedMessage);
    }
  }

  @Test
  void fallsBackPastSeveralBadCheckpointsAndFailsWhenNoneIsGood() throws IOException {
    CheckpointStore store = new CheckpointStore(root, 5);
    for (long step = 1; step <= 3; step++) {
      store.save(step, writer(step));
    }
    flipBit(root.resolve("step-000003/state.json"), 3);
    truncate(root.resolve("step-000002/optimizer.safetensors"), 0);
    SavedCheckpoint loaded = store.loadLatest().orElseThrow();
    assertThat(loaded.step()).isEqualTo(1);
    assertThat(loaded.rejected()).containsExactly(
        "checksum mismatch in step-000003/state.json (SHA-256 differs from the manifest)",
        "checksum mismatch in step-000002/optimizer.safetensors (size 0 bytes, manifest says 2048: truncated or overwritten)");
    Files.delete(root.resolve("step-000001/model.safetensors"));
    assertThatThrownBy(store::loadLatest)
        .isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith("no valid checkpoint in " + root)
        .hasMessageContaining("missing file step-000001/model.safetensors");
  }

  @Test
  void unreadableOrMissingLatestUsesTheNewestGoodCheckpoint() throws IOException {
    CheckpointStore store = new CheckpointStore(root, 5);
    store.save(1, writer(1));
    store.save(2, writer(2));
    Files.writeString(root.resolve("LATEST"), "\u0000garbage");
    SavedCheckpoint loaded = store.loadLatest().orElseThrow();
    assertThat(loaded.step()).isEqualTo(2);
    assertThat(loaded.rejected().get(0)).contains("does not name a checkpoint");
    Files.delete(root.resolve("LATEST"));
    assertThat(store.loadLatest().orElseThrow().rejected()).containsExactly("LATEST is missing in " + root);
  }

  @Test
  void failedWriteLeavesThePreviousCheckpointAndNoTempDirectory() throws IOException {
    CheckpointStore store = new CheckpointStore(root, 5);
    store.save(1, writer(1));
    assertThatThrownBy(() -> store.save(2, dir -> {
      Files.write(dir.resolve("model.safetensors"), new byte[100]);
      throw new IOException("No space left on device");
    }))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("could not save checkpoint step-000002 in " + root)
        .hasMessageContaining("No space left on device");
    assertThat(store.leftovers()).isEmpty();
    assertThat(store.steps()).containsExactly(1L);
    assertThat(store.loadLatest().orElseThrow().step()).isEqualTo(1);
  }

  @Test
  void leftoversOfAnInterruptedSaveAreRemovedByTheNextSave() throws IOException {
    CheckpointStore store = new CheckpointStore(root, 5);
    store.save(1, writer(1));
    Files.createDirectories(root.resolve(".tmp-step-000002-dead/sub"));
    Files.write(root.resolve(".tmp-step-000002-dead/model.safetensors"), new byte[10]);
    Files.writeString(root.resolve(".LATEST.12345.tmp"), "step-000002");
    assertThat(store.leftovers()).hasSize(2);
    assertThat(store.loadLatest().orElseThrow().step()).isEqualTo(1);
    store.save(2, writer(2));
    assertThat(store.leftovers()).isEmpty();
  }

  @Test
  void savingAgainReplacesTheStepAndDropsAnAbandonedNewerRun() throws IOException {
    CheckpointStore store = new CheckpointStore(root, 5);
    store.save(1, writer(1));
    store.save(2, writer(2));
    store.save(3, writer(3));
    // Resumed from step 1 (say 2 and 3 were lost to a crash): the new step 2 replaces both.
    store.save(2, writer(22));
    assertThat(store.steps()).containsExactly(1L, 2L);
    assertThat(Files.readString(root.resolve("step-000002/state.json"))).isEqualTo("{\"step\":22}");
    assertThat(store.loadLatest().orElseThrow().step()).isEqualTo(2);
  }

  @Test
  void onlyFilesAreStored() {
    CheckpointStore store = new CheckpointStore(root, 5);
    assertThatThrownBy(() -> store.save(1, dir -> Files.createDirectory(dir.resolve("nested"))))
        .hasMessageContaining("'nested', which is not a regular file");
    assertThatThrownBy(() -> store.save(1, dir -> Files.writeString(dir.resolve("manifest.json"), "{}")))
        .hasMessageContaining("must not write manifest.json");
    assertThat(store.steps()).isEmpty();
  }

  static void flipBit(Path file, int byteIndex) throws IOException {
    byte[] b = Files.readAllBytes(file);
    b[byteIndex] ^= 0x10;
    Files.write(file, b);
  }

  static void truncate(Path file, int size) throws IOException {
    byte[] b = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(b, size));
  }

  static void editManifest(Path dir) throws IOException {
    Path m = dir.resolve("manifest.json");
    String text = Files.readString(m);
    String edited = text.replace("\"bytes\" : 1024", "\"bytes\" : 1000");
    assertThat(edited).isNotEqualTo(text);
    Files.writeString(m, edited, StandardCharsets.UTF_8);
  }

  static byte[] sha256(byte[] data) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(data);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void manifestListsEveryFileWithItsDigest() throws IOException {
    CheckpointStore store = new CheckpointStore(root, 1);
    store.save(5, writer(5));
    CheckpointManifest m = CheckpointManifest.parse(
        Files.readAllBytes(root.resolve("step-000005/manifest.json")), "m");
    assertThat(m.step()).isEqualTo(5);
    assertThat(m.digestValid()).isTrue();
    assertThat(m.files()).extracting(CheckpointManifest.Entry::bytes).containsExactly(1024L, 2048L, 10L);
    assertThat(List.of(Files.readString(root.resolve("step-000005/manifest.json"))))
        .allSatisfy(t -> assertThat(t).contains("\"format\" : \"jdetr-checkpoint\""));
  }
}
