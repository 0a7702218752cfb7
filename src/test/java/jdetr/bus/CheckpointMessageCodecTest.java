package jdetr.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.nio.file.Path;
import jdetr.checkpoint.CheckpointNote;
import jdetr.checkpoint.CheckpointNotice;
import jdetr.checkpoint.CommitRequest;
import org.junit.jupiter.api.Test;

/** The binary codecs of the checkpoint stage's messages. */
class CheckpointMessageCodecTest {
  private static final CheckpointNote NOTE = new CheckpointNote(123456789012L, 4, 250, 250, true, true);
  /** Bytes before the note's epochEnd field: length, tag, step, epoch, epochStep, stepsInEpoch. */
  private static final int EPOCH_END_AT = 4 + 4 + 8 + 4 + 4 + 4;

  @Test
  void commitRequestsRoundTripWithAndWithoutAStagedDirectory() {
    CommitRequestCodec codec = new CommitRequestCodec();
    for (CommitRequest r : new CommitRequest[] {
        new CommitRequest(NOTE, Path.of("/runs/a/checkpoints"), 3,
            Path.of("/runs/a/checkpoints/.staged-step-000123-ü")),
        new CommitRequest(new CheckpointNote(7, 0, 7, 10, false, false), Path.of("/runs/b"), 1, null)}) {
      Buffer b = Buffer.buffer("xy");
      codec.encodeToWire(b, r);
      CommitRequest back = codec.decodeFromWire(2, b);
      assertThat(back).isEqualTo(r).isNotSameAs(r);
      assertThat(back.announceAgain()).isEqualTo(r.staged() == null);
    }
  }

  @Test
  void noticesRoundTrip() {
    CheckpointNoticeCodec codec = new CheckpointNoticeCodec();
    CheckpointNotice n = new CheckpointNotice(NOTE, Path.of("/runs/a/checkpoints/step-123456789012"));
    Buffer b = Buffer.buffer();
    codec.encodeToWire(b, n);
    assertThat(codec.decodeFromWire(0, b)).isEqualTo(n);
    assertThat(codec.transform(n)).isSameAs(n);
  }

  @Test
  void malformedFramesAreRefusedNamingTheField() {
    CheckpointNoticeCodec codec = new CheckpointNoticeCodec();
    Buffer good = Buffer.buffer();
    codec.encodeToWire(good, new CheckpointNotice(NOTE, Path.of("/runs/a/step-000001")));

    Buffer badBoolean = good.copy();
    badBoolean.setIntLE(EPOCH_END_AT, 2);
    assertThatThrownBy(() -> codec.decodeFromWire(0, badBoolean))
        .isInstanceOf(WireFormatException.class)
        .hasMessage("jdetr.CheckpointNotice: field note.epochEnd has value 2, expected a boolean (0 or 1)");

    Buffer cut = good.getBuffer(0, good.length() - 5);
    cut.setIntLE(0, cut.length() - 4);
    assertThatThrownBy(() -> codec.decodeFromWire(0, cut))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("jdetr.CheckpointNotice").hasMessageContaining("dir");

    Buffer noDir = Buffer.buffer();
    new CommitRequestCodec().encodeToWire(noDir,
        new CommitRequest(NOTE, Path.of("/runs/a"), 2, null));
    assertThatThrownBy(() -> codec.decodeFromWire(0, noDir))
        .isInstanceOf(WireFormatException.class).hasMessageContaining("format tag");
  }

  @Test
  void aCommitRequestWithoutRootOrWithANonPositiveKeepIsRefused() {
    CommitRequestCodec codec = new CommitRequestCodec();
    Buffer b = Buffer.buffer();
    codec.encodeToWire(b, new CommitRequest(NOTE, Path.of("/r"), 2, null));
    int rootAt = EPOCH_END_AT + 4 + 4; // after epochEnd and evaluate
    Buffer noRoot = Buffer.buffer().appendBuffer(b, 0, rootAt).appendIntLE(0)
        .appendBuffer(b, rootAt + 4 + 2, b.length() - rootAt - 4 - 2);
    noRoot.setIntLE(0, noRoot.length() - 4);
    assertThatThrownBy(() -> codec.decodeFromWire(0, noRoot))
        .isInstanceOf(WireFormatException.class)
        .hasMessage("jdetr.CommitRequest: field root is empty, expected a path");

    Buffer keepZero = b.copy();
    keepZero.setIntLE(rootAt + 4 + 2, 0);
    assertThatThrownBy(() -> codec.decodeFromWire(0, keepZero))
        .isInstanceOf(WireFormatException.class)
        .hasMessage("jdetr.CommitRequest: field keep is 0, expected at least 1");
  }
}
