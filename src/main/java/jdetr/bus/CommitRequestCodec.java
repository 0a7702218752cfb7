package jdetr.bus;

import java.nio.file.Path;
import jdetr.checkpoint.CheckpointNote;
import jdetr.checkpoint.CommitRequest;

/**
 * Binary codec of {@link CommitRequest}: the note, the store's root and size, then the staged
 * directory (empty: announce the committed checkpoint again).
 */
public final class CommitRequestCodec extends BinaryCodec<CommitRequest> {

  public CommitRequestCodec() {
    super(CommitRequest.class, 0x43520001); // "CR", layout 1
  }

  @Override
  protected void write(WireWriter out, CommitRequest m) {
    CheckpointNoticeCodec.writeNote(out, m.note());
    out.writeString(m.root().toString()).writeInt(m.keep())
        .writeString(m.staged() == null ? "" : m.staged().toString());
  }

  @Override
  protected CommitRequest read(WireReader in) {
    CheckpointNote note = CheckpointNoticeCodec.readNote(in);
    Path root = CheckpointNoticeCodec.readPath(in, "root", false);
    int keep = in.readInt("keep");
    if (keep < 1) {
      throw new WireFormatException(name() + ": field keep is " + keep + ", expected at least 1");
    }
    return new CommitRequest(note, root, keep, CheckpointNoticeCodec.readPath(in, "staged", true));
  }
}
