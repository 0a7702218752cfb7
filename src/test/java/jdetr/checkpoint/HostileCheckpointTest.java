package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ai.djl.ndarray.NDManager;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Test-matrix row S1: hostile checkpoints (generated once by generate_pth_fixtures.py and checked
 * in as bytes; offsets as pickletools reports them) are refused with an UnsafeCheckpointException naming the opcode, global, entry or
 * storage, nothing they ask for runs, and the reader allocates less than 50 MB on the way.
 */
class HostileCheckpointTest {
  /** The command the executable fixtures would run, if anything ran them. */
  private static final Path MARKER = Path.of("/tmp/jdetr-s1-pwned");
  private static final long BUDGET = 50L << 20;
  private static NDManager manager;

  @BeforeAll
  static void engine() {
    manager = NDManager.newBaseManager("PyTorch");
  }

  @AfterAll
  static void release() {
    manager.close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "global_os_system.pth          | GLOBAL (0x63) at offset 2 | global os.system is not allowed",
      "reduce_builtins_eval.pth      | GLOBAL (0x63) at offset 13 | global builtins.eval",
      "stack_global_popen.pth        | STACK_GLOBAL (0x93) at offset 32 | global subprocess.Popen",
      "load_from_bytes.pth           | GLOBAL (0x63) at offset 2 | torch.storage._load_from_bytes",
      "reduce_storage_class.pth      | REDUCE (0x52) at offset 31 | REDUCE of torch.FloatStorage",
      "inst_opcode.pth               | opcode INST (0x69) | at offset 33",
      "newobj_ordered_dict.pth       | NEWOBJ (0x81) at offset 28 | NEWOBJ of collections.OrderedDict",
      "setitem_on_list.pth           | SETITEM (0x73) at offset 15 | a list, not a dict",
      "string_length_lie.pth         | truncated pickle: BINUNICODE | needs 2147483647 bytes",
      "persid_module.pth             | BINPERSID at offset | persistent id of kind 'module'",
      "storage_bigger_than_entry.pth | storage '0' declares 1000 x float32 = 4000 bytes"
          + " | entry 'archive/data/0' holds 16 bytes",
      "tensor_beyond_storage.pth     | tensor on storage '0' | reaches element 5, beyond the storage's 4",
      "huge_storage_numel.pth        | storage '0' declares 4398046511104 bytes | cap of",
      "overflowing_storage_numel.pth | storage '0' declares 4611686018427387904 elements"
          + " | overflows 64 bits",
      "huge_tensor_view.pth          | sizes [1048576, 1048576] need 4398046511104 bytes"
          + " | per tensor",
      "zip_bomb_deflated.pth         | entry 'archive/data/0' | inflates beyond its declared 16 bytes",
      "zip_bomb_declared.pth         | entry 'archive/data/0' declares 1099511627776 bytes"
          + " | zip bomb",
      "legacy_count_mismatch.pth     | storage '0' holds 5 elements | the pickle declared 4",
      "truncated_zip.pth             | truncated archive | entry 'tmp/data/",
      "truncated_legacy.pth          | truncated file | storage '",
      "not_a_checkpoint.pth          | not a torch.save file | not_a_checkpoint.pth",
  })
  void refusesWithTheOffenderNamedAndNothingRun(String file, String first, String second)
      throws Exception {
    Files.deleteIfExists(MARKER);
    Path path = PthFixtures.path("hostile/" + file);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long heapBefore = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    long directBefore = directMemoryUsed();

    Throwable thrown = catchThrowable(() -> {
      try (NDManager scope = manager.newSubManager();
          TorchCheckpoint ckpt = new TorchCheckpointReader().open(path)) {
        ckpt.loadStateDict(scope);
      }
    });

    long heap = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - heapBefore;
    long direct = directMemoryUsed() - directBefore;
    assertThat(thrown).isInstanceOf(UnsafeCheckpointException.class)
        .hasMessageContaining(first.strip())
        .hasMessageContaining(second.strip());
    assertThat(heap).as("heap allocated while refusing " + file).isLessThan(BUDGET);
    assertThat(direct).as("direct memory held after refusing " + file).isLessThan(BUDGET);
    assertThat(MARKER).doesNotExist();
  }

  private static long directMemoryUsed() {
    return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(b -> b.getName().equals("direct"))
        .mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
  }
}
