package jdetr.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.Random;
import jdetr.matcher.MatchReply;
import jdetr.matcher.MatchRequest;
import jdetr.matcher.MatcherConfig;
import jdetr.matcher.RandomMatchRequests;
import org.junit.jupiter.api.Test;

class MatchCodecTest {

  @Test
  void requestRoundTripsThroughTheWireFormat() {
    MatchRequestCodec codec = new MatchRequestCodec();
    MatchRequest request = RandomMatchRequests.randomRequest(new Random(1), 1234567890123L, 3, 5, 100, 92, 7);
    Buffer buffer = Buffer.buffer("prefix");
    codec.encodeToWire(buffer, request);
    MatchRequest decoded = codec.decodeFromWire(6, buffer);
    assertThat(decoded).isEqualTo(request).isNotSameAs(request);
    // header (length + tag) + step + image, layer, loss + 3 costs + Q, C + 4 arrays with shape headers
    int expectedBytes = 8 + 8 + 12 + 24 + 8 + (4 + 8 + 100 * 92 * 4) + (4 + 8 + 100 * 16)
        + (4 + 4 + 7 * 4) + (4 + 8 + 7 * 16);
    assertThat(buffer.length() - 6).isEqualTo(expectedBytes);
  }

  @Test
  void emptyUnitsKeepTheirShape() {
    MatchRequestCodec codec = new MatchRequestCodec();
    MatchRequest noTargets = RandomMatchRequests.randomRequest(new Random(2), 1, 0, 0, 4, 3, 0);
    MatchRequest noQueries = new MatchRequest(1, 0, 0, MatcherConfig.DEFORMABLE_DETR,
        0, 91, new float[0], new float[0], new int[] {1},
        new float[] {.5f, .5f, .1f, .1f});
    for (MatchRequest r : new MatchRequest[] {noTargets, noQueries}) {
      Buffer b = Buffer.buffer();
      codec.encodeToWire(b, r);
      assertThat(codec.decodeFromWire(0, b)).isEqualTo(r);
    }
  }

  @Test
  void littleEndianFloatsOnTheWire() {
    MatchRequestCodec codec = new MatchRequestCodec();
    MatchRequest r = new MatchRequest(0, 0, 0, MatcherConfig.DETR, 1, 1,
        new float[] {1.0f}, new float[] {0f, 0f, 0f, 0f}, new int[0], new float[0]);
    Buffer b = Buffer.buffer();
    codec.encodeToWire(b, r);
    // body: len, tag, step(8), image, layer, loss, 3 costs, Q, C, logits rank, dims(2) -> value
    int logitsValue = 4 + 4 + 8 + 12 + 24 + 8 + 4 + 8;
    assertThat(b.getBytes(logitsValue, logitsValue + 4)).containsExactly(0, 0, (byte) 0x80, 0x3f);
  }

  @Test
  void replyRoundTrips() {
    MatchReplyCodec codec = new MatchReplyCodec();
    MatchReply reply = new MatchReply(9, 1, 2, new int[] {3, 17, 40}, new int[] {2, 0, 1});
    Buffer b = Buffer.buffer();
    codec.encodeToWire(b, reply);
    assertThat(codec.decodeFromWire(0, b)).isEqualTo(reply);
  }

  @Test
  void localDeliveryHandsOverTheSameObject() {
    MatchRequest r = RandomMatchRequests.randomRequest(new Random(3), 1, 0, 0, 5, 4, 2);
    assertThat(new MatchRequestCodec().transform(r)).isSameAs(r);
  }

  @Test
  void truncatedFrameNamesTheField() {
    MatchRequestCodec codec = new MatchRequestCodec();
    Buffer b = Buffer.buffer();
    codec.encodeToWire(b, RandomMatchRequests.randomRequest(new Random(4), 1, 0, 0, 10, 5, 3));
    Buffer cut = b.getBuffer(0, b.length() - 10);
    cut.setIntLE(0, cut.length() - 4);
    assertThatThrownBy(() -> codec.decodeFromWire(0, cut))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("jdetr.MatchRequest")
        .hasMessageContaining("targetBoxes");
    Buffer shortBody = b.getBuffer(0, b.length() - 10);
    assertThatThrownBy(() -> codec.decodeFromWire(0, shortBody))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("does not fit");
  }

  @Test
  void hostileShapeIsRejectedBeforeAllocating() {
    MatchReplyCodec codec = new MatchReplyCodec();
    Buffer b = Buffer.buffer();
    codec.encodeToWire(b, new MatchReply(1, 0, 0, new int[] {0}, new int[] {0}));
    // queryIndices header: len(4) tag(4) step(8) image(4) layer(4) rank(4) -> dim
    b.setIntLE(4 + 4 + 8 + 4 + 4 + 4, Integer.MAX_VALUE);
    assertThatThrownBy(() -> codec.decodeFromWire(0, b))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("queryIndices claims at least 2147483647 values");
  }

  @Test
  void anInvalidMatcherConfigurationIsRefused() {
    MatchRequestCodec codec = new MatchRequestCodec();
    Buffer b = Buffer.buffer();
    codec.encodeToWire(b, RandomMatchRequests.randomRequest(new Random(5), 1, 0, 0, 3, 2, 1));
    // len(4) tag(4) step(8) image(4) layer(4) classLoss(4) -> costs.class
    b.setDoubleLE(4 + 4 + 8 + 4 + 4 + 4, -1);
    assertThatThrownBy(() -> codec.decodeFromWire(0, b))
        .isInstanceOf(WireFormatException.class)
        .hasMessage("jdetr.MatchRequest: matcher costClass must be finite and >= 0, got -1.0");
  }

  @Test
  void foreignFormatTagIsRejected() {
    Buffer b = Buffer.buffer();
    new MatchReplyCodec().encodeToWire(b, new MatchReply(1, 0, 0, new int[0], new int[0]));
    assertThatThrownBy(() -> new MatchRequestCodec().decodeFromWire(0, b))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("format tag");
  }

  @Test
  void inconsistentRecordIsRefusedAtConstruction() {
    assertThatThrownBy(() -> new MatchRequest(0, 0, 0, MatcherConfig.DETR, 2, 3,
        new float[5], new float[8], new int[0], new float[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("MatchRequest.logits has 5 values, expected 6");
  }
}
