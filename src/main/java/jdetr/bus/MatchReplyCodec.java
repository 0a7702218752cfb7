package jdetr.bus;

import jdetr.matcher.MatchReply;

/** Binary codec of {@link MatchReply}. */
public final class MatchReplyCodec extends BinaryCodec<MatchReply> {

  public MatchReplyCodec() {
    super(MatchReply.class, 0x4D520001); // "MR", layout 1
  }

  @Override
  protected void write(WireWriter out, MatchReply m) {
    out.writeLong(m.step()).writeInt(m.image()).writeInt(m.layer())
        .writeInts(m.queryIndices(), m.size())
        .writeInts(m.targetIndices(), m.size());
  }

  @Override
  protected MatchReply read(WireReader in) {
    long step = in.readLong("step");
    int image = in.readInt("image");
    int layer = in.readInt("layer");
    int[] queries = in.readInts("queryIndices", -1);
    int[] targets = in.readInts("targetIndices", queries.length);
    return new MatchReply(step, image, layer, queries, targets);
  }
}
