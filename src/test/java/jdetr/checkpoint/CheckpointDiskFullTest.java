package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test-matrix row K2 on a real full file system: an 8 MiB tmpfs mounted for the test (needs root,
 * as in CI). A save that runs out of space, in the checkpoint's files or in the {@code LATEST}
 * write, fails naming ENOSPC and the path; the previous checkpoint still verifies, {@code LATEST}
 * still names it, no temp directory is left, and once space is freed the next save succeeds.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CheckpointDiskFullTest {
  private static final int MIB = 1 << 20;
  private static final int PAGE = 4096;

  @TempDir Path dir;
  private Path mount;
  private Path root;
  private Path filler;

  @BeforeEach
  void mountTmpfs() throws Exception {
    mount = dir.resolve("tmpfs");
    Files.createDirectories(mount);
    Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mount.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assumeTrue(p.waitFor() == 0, "mounting a tmpfs needs root: " + out);
    root = mount.resolve("checkpoints");
    filler = mount.resolve("filler");
  }

  @AfterEach
  void unmount() throws Exception {
    if (root != null) {
      assertThat(new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor()).isZero();
    }
  }

  private static byte[] bytes(long step, int n) {
    byte[] b = new byte[n];
    new java.util.Random(step).nextBytes(b);
    return b;
  }

  private static CheckpointWriter writer(long step) {
    return d -> {
      Files.write(d.resolve("model.safetensors"), bytes(step, 2 * MIB));
      Files.writeString(d.resolve("state.json"), "{\"step\":" + step + "}");
    };
  }

  private long free() throws IOException {
    return Files.getFileStore(mount).getUsableSpace();
  }

  /** Leaves {@code left} bytes free by writing a filler file beside the checkpoints. */
  private void fillLeaving(long left) throws IOException {
    Files.deleteIfExists(filler);
    Files.write(filler, new byte[(int) (free() - left)]);
    assertThat(free()).isEqualTo(left);
  }

  private void assertPreviousIntact(CheckpointStore store, long step) throws IOException {
    assertThat(Files.readString(root.resolve(CheckpointStore.LATEST)).strip()).isEqualTo(CheckpointStore.dirName(step));
    SavedCheckpoint latest = store.loadLatest().orElseThrow();
    assertThat(latest.step()).isEqualTo(step);
    assertThat(latest.rejected()).isEmpty();
    assertThat(Files.readAllBytes(latest.file("model.safetensors"))).isEqualTo(bytes(step, 2 * MIB));
    assertThat(store.leftovers()).as("no temp directory or file left").isEmpty();
  }

  @Test
  void aFullDiskWhileWritingTheFilesKeepsThePreviousCheckpoint() throws Exception {
    CheckpointStore store = new CheckpointStore(root, 2);
    store.save(1, writer(1));
    fillLeaving(MIB); // half the next model file fits

    assertThatThrownBy(() -> store.save(2, writer(2)))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("could not save checkpoint step-000002 in " + root)
        .hasMessageContaining("ENOSPC");
    assertPreviousIntact(store, 1);
    assertThat(store.steps()).containsExactly(1L);

    Files.delete(filler);
    assertThat(store.save(2, writer(2)).step()).isEqualTo(2);
    assertPreviousIntact(store, 2);
  }

  @Test
  void aFullDiskWhileWritingLatestKeepsThePreviousCheckpoint() throws Exception {
    CheckpointStore store = new CheckpointStore(root, 2);
    store.save(1, writer(1));
    // the writer leaves exactly one page: the manifest takes it, the new LATEST finds none
    CheckpointWriter fillsTheDisk = d -> {
      writer(2).writeTo(d);
      fillLeaving(PAGE);
    };

    assertThatThrownBy(() -> store.save(2, fillsTheDisk))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("could not save checkpoint step-000002 in " + root)
        .hasMessageContaining("ENOSPC")
        .hasMessageContaining(root.resolve(CheckpointStore.LATEST).toString());
    assertPreviousIntact(store, 1);

    Files.delete(filler);
    assertThat(store.save(3, writer(3)).step()).isEqualTo(3);
    assertPreviousIntact(store, 3);
    assertThat(store.steps()).as("keepLast 2").hasSizeLessThanOrEqualTo(2).contains(3L);
  }

  @Test
  void aFullDiskWhileWritingTheManifestKeepsThePreviousCheckpoint() throws Exception {
    CheckpointStore store = new CheckpointStore(root, 2);
    store.save(1, writer(1));
    CheckpointWriter fillsTheDisk = d -> {
      writer(2).writeTo(d);
      fillLeaving(0);
    };
    assertThatThrownBy(() -> store.save(2, fillsTheDisk))
        .hasMessageContaining("ENOSPC")
        .hasMessageContaining(CheckpointManifest.FILE_NAME);
    assertPreviousIntact(store, 1);
    assertThat(List.copyOf(store.steps())).containsExactly(1L);
  }
}
