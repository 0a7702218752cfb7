package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Randomly corrupted copies of real checkpoints (seeded byte flips and truncations): the reader
 * either loads them or refuses them with an IOException; it never fails any other way.
 */
class CorruptCheckpointTest {
  private static final int COPIES = 150;
  private static NDManager manager;

  @BeforeAll
  static void engine() {
    manager = NDManager.newBaseManager("PyTorch");
  }

  @AfterAll
  static void release() {
    manager.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"state_zip.pth", "state_zip_p4.pth", "state_legacy.pth",
      "train_legacy.pth"})
  void corruptCopiesAreLoadedOrRefusedCleanly(String file, @TempDir Path dir) throws Exception {
    byte[] original = Files.readAllBytes(PthFixtures.path("valid/" + file));
    Random random = new Random(file.hashCode());
    int refused = 0;
    for (int copy = 0; copy < COPIES; copy++) {
      byte[] bytes = original.clone();
      if (copy % 10 == 9) {
        bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
      } else {
        for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
          bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
      }
      Path corrupt = dir.resolve("copy" + copy + ".pth");
      Files.write(corrupt, bytes);
      try (NDManager scope = manager.newSubManager();
          TorchCheckpoint ckpt = new TorchCheckpointReader().open(corrupt)) {
        ckpt.loadStateDict(scope);
      } catch (IOException expected) {
        refused++;
      } catch (Throwable unexpected) {
        throw new AssertionError(file + " copy " + copy + " failed with " + unexpected, unexpected);
      }
      Files.delete(corrupt);
    }
    assertThat(refused).as("copies refused").isGreaterThan(COPIES / 10);
  }
}
