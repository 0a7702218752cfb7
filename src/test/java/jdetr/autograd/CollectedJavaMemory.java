package jdetr.autograd;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a garbage collection between forward and backward does to native memory that only Java kept
 * alive: {@link #collectAndOverwrite()} runs the collector until reference processing has happened
 * (so the direct buffers of closed NDArrays are freed) and then allocates and fills direct buffers of
 * many sizes, so freed blocks are handed out again and hold other bytes. A tensor of the autograd
 * graph that still points at such memory then yields visibly wrong gradients, where in training it
 * would do so only when the collector happens to run at that moment. Close after backward.
 */
public final class CollectedJavaMemory implements AutoCloseable {

  /** Bytes written over reused memory: 0x7F7F7F7F is 3.4e38 as a float, a huge int64 index. */
  private static final byte FILL = 0x7F;

  private final List<ByteBuffer> filler = new ArrayList<>();

  private CollectedJavaMemory() {}

  public static CollectedJavaMemory collectAndOverwrite() {
    for (int round = 0; round < 2; round++) {
      ReferenceQueue<Object> queue = new ReferenceQueue<>();
      PhantomReference<Object> sentinel = new PhantomReference<>(new Object(), queue);
      try {
        for (int i = 0; i < 20 && queue.remove(10) == null; i++) {
          System.gc();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the garbage collector", e);
      }
      sentinel.clear();
    }
    CollectedJavaMemory m = new CollectedJavaMemory();
    byte[] bytes = new byte[8192];
    Arrays.fill(bytes, FILL);
    for (int size = 4; size <= bytes.length; size += 4) {
      ByteBuffer b = ByteBuffer.allocateDirect(size);
      b.put(bytes, 0, size);
      m.filler.add(b);
    }
    return m;
  }

  @Override
  public void close() {
    filler.clear();
  }
}
