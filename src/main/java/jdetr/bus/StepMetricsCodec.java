package jdetr.bus;

import java.util.LinkedHashMap;
import java.util.Map;
import jdetr.engine.StepMetrics;

/** Binary codec of {@link StepMetrics}: the scalars, then {@code [count]} (key, double) pairs. */
public final class StepMetricsCodec extends BinaryCodec<StepMetrics> {
  private static final int MAX_VALUES = 4096;
  private static final int MAX_KEY_BYTES = 256;

  public StepMetricsCodec() {
    super(StepMetrics.class, 0x534D0001); // "SM", layout 1
  }

  @Override
  protected void write(WireWriter out, StepMetrics m) {
    out.writeLong(m.step()).writeInt(m.epoch()).writeInt(m.epochStep()).writeInt(m.stepsInEpoch())
        .writeDouble(m.seconds()).writeInt(m.values().size());
    m.values().forEach((k, v) -> out.writeString(k).writeDouble(v));
  }

  @Override
  protected StepMetrics read(WireReader in) {
    long step = in.readLong("step");
    int epoch = in.readInt("epoch");
    int epochStep = in.readInt("epochStep");
    int stepsInEpoch = in.readInt("stepsInEpoch");
    double seconds = in.readDouble("seconds");
    int n = in.readInt("values.count");
    if (n < 0 || n > MAX_VALUES) {
      throw new WireFormatException(name() + ": " + n + " values, expected 0.." + MAX_VALUES);
    }
    Map<String, Double> values = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      values.put(in.readString("values.key", MAX_KEY_BYTES), in.readDouble("values.value"));
    }
    return new StepMetrics(step, epoch, epochStep, stepsInEpoch, seconds, values);
  }
}
