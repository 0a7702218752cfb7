package jdetr.bus;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import jdetr.checkpoint.CheckpointNote;
import jdetr.checkpoint.CheckpointNotice;

/** Binary codec of {@link CheckpointNotice}: the note, then the directory. */
public final class CheckpointNoticeCodec extends BinaryCodec<CheckpointNotice> {
  static final int MAX_PATH_BYTES = 64 * 1024;

  public CheckpointNoticeCodec() {
    super(CheckpointNotice.class, 0x434E0001); // "CN", layout 1
  }

  @Override
  protected void write(WireWriter out, CheckpointNotice m) {
    writeNote(out, m.note());
    out.writeString(m.dir().toString());
  }

  @Override
  protected CheckpointNotice read(WireReader in) {
    CheckpointNote note = readNote(in);
    return new CheckpointNotice(note, readPath(in, "dir", false));
  }

  static void writeNote(WireWriter out, CheckpointNote note) {
    out.writeLong(note.step()).writeInt(note.epoch()).writeInt(note.epochStep())
        .writeInt(note.stepsInEpoch()).writeBoolean(note.epochEnd()).writeBoolean(note.evaluate());
  }

  static CheckpointNote readNote(WireReader in) {
    return new CheckpointNote(in.readLong("note.step"), in.readInt("note.epoch"),
        in.readInt("note.epochStep"), in.readInt("note.stepsInEpoch"),
        in.readBoolean("note.epochEnd"), in.readBoolean("note.evaluate"));
  }

  /** A path written as a string; an empty one is null when {@code optional}, refused otherwise. */
  static Path readPath(WireReader in, String field, boolean optional) {
    String text = in.readString(field, MAX_PATH_BYTES);
    if (text.isEmpty()) {
      if (optional) {
        return null;
      }
      throw new WireFormatException(in.codec() + ": field " + field + " is empty, expected a path");
    }
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      throw new WireFormatException(in.codec() + ": field " + field + " is not a path: " + e.getMessage());
    }
  }
}
