package jdetr.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The event-bus frame follower: frames split anywhere pass, an over-long or empty announcement is refused. */
class FrameLimitTest {

  private static byte[] frames(int... lengths) {
    int total = 0;
    for (int l : lengths) {
      total += 4 + Math.max(l, 0);
    }
    ByteBuffer b = ByteBuffer.allocate(total);
    for (int l : lengths) {
      b.putInt(l);
      b.put(new byte[Math.max(l, 0)]);
    }
    return b.array();
  }

  @Test
  void framesSplitAtAnyByteAreFollowed() throws Exception {
    byte[] stream = frames(10, 1000, 1, 4096);
    for (int chunk : new int[] {1, 3, 7, 4096}) {
      FrameLimit limit = new FrameLimit(4096);
      for (int i = 0; i < stream.length; i += chunk) {
        limit.accept(stream, i, Math.min(chunk, stream.length - i));
      }
      assertThat(limit.frames()).as("chunks of %d", chunk).isEqualTo(4);
    }
  }

  @Test
  void overLongEmptyAndNegativeAnnouncementsAreRefused() throws Exception {
    FrameLimit limit = new FrameLimit(1 << 20);
    byte[] ok = frames(100);
    limit.accept(ok, 0, ok.length);
    byte[] claim = ByteBuffer.allocate(4).putInt(1 << 30).array();
    assertThatThrownBy(() -> limit.accept(claim, 0, 4)).isInstanceOf(FrameLimit.FrameRefusedException.class)
        .hasMessage("event-bus frame of 1073741824 bytes refused (the limit is 1048576 bytes)");
    assertThatThrownBy(() -> new FrameLimit(16).accept(frames(0), 0, 4))
        .isInstanceOf(FrameLimit.FrameRefusedException.class);
    assertThatThrownBy(() -> new FrameLimit(16).accept(new byte[] {-1, -1, -1, -1}, 0, 4))
        .hasMessageContaining("4294967295 bytes refused");
    FrameLimit atCap = new FrameLimit(16);
    atCap.accept(frames(16), 0, 20);
    assertThatThrownBy(() -> atCap.accept(frames(17), 0, 4)).isInstanceOf(FrameLimit.FrameRefusedException.class);
  }
}
