package jdetr.bus;

import jdetr.loss.ClassLoss;
import jdetr.matcher.MatchRequest;
import jdetr.matcher.MatcherConfig;

/** Binary codec of {@link MatchRequest}. */
public final class MatchRequestCodec extends BinaryCodec<MatchRequest> {
  private static final ClassLoss[] CLASS_LOSSES = ClassLoss.values();

  public MatchRequestCodec() {
    super(MatchRequest.class, 0x4D510001); // "MQ", layout 1
  }

  @Override
  protected void write(WireWriter out, MatchRequest m) {
    out.writeLong(m.step()).writeInt(m.image()).writeInt(m.layer())
        .writeInt(m.matcher().classLoss().ordinal())
        .writeDouble(m.matcher().costClass()).writeDouble(m.matcher().costBbox())
        .writeDouble(m.matcher().costGiou())
        .writeInt(m.numQueries()).writeInt(m.numClasses())
        .writeFloats(m.logits(), m.numQueries(), m.numClasses()) // [Q, C]
        .writeFloats(m.boxes(), m.numQueries(), 4) // [Q, 4] cxcywh
        .writeInts(m.targetLabels(), m.numTargets()) // [T]
        .writeFloats(m.targetBoxes(), m.numTargets(), 4); // [T, 4] cxcywh
  }

  @Override
  protected MatchRequest read(WireReader in) {
    long step = in.readLong("step");
    int image = in.readInt("image");
    int layer = in.readInt("layer");
    int lossIndex = in.readInt("classLoss");
    if (lossIndex < 0 || lossIndex >= CLASS_LOSSES.length) {
      throw new WireFormatException(name() + ": field classLoss has unknown value " + lossIndex);
    }
    MatcherConfig matcher;
    try {
      matcher = new MatcherConfig(in.readDouble("costs.class"), in.readDouble("costs.bbox"),
          in.readDouble("costs.giou"), CLASS_LOSSES[lossIndex]);
    } catch (IllegalArgumentException e) {
      throw new WireFormatException(name() + ": " + e.getMessage());
    }
    int numQueries = in.readInt("numQueries");
    int numClasses = in.readInt("numClasses");
    if (numQueries < 0 || numClasses < 0) {
      throw new WireFormatException(name() + ": negative numQueries " + numQueries
          + " or numClasses " + numClasses);
    }
    float[] logits = in.readFloats("logits", numQueries, numClasses);
    float[] boxes = in.readFloats("boxes", numQueries, 4);
    int[] labels = in.readInts("targetLabels", -1);
    float[] targetBoxes = in.readFloats("targetBoxes", labels.length, 4);
    return new MatchRequest(step, image, layer, matcher, numQueries,
        numClasses, logits, boxes, labels, targetBoxes);
  }
}
