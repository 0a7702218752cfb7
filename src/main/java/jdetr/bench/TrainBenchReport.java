package jdetr.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import jdetr.engine.StageTimes;
import jdetr.train.TimedStep;

/**
 * The JSON lines of {@code bench train} for one (config, mode): a line per step, and a summary of
 * the measured steps (medians per stage, pipeline efficiency = pure compute / wall step time).
 * Times are milliseconds of wall time unless the key says CPU.
 */
final class TrainBenchReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String config;
  private final String mode;
  private final boolean bus;
  private final List<TimedStep> measured = new ArrayList<>();

  /**
   * @param bus the mode's matching goes over the event bus (its send time is event-bus time)
   */
  TrainBenchReport(String config, String mode, boolean bus) {
    this.config = config;
    this.mode = mode;
    this.bus = bus;
  }

  ObjectNode base() {
    return JSON.createObjectNode().put("bench", "train").put("impl", "jdetr").put("config", config)
        .put("mode", mode);
  }

  /** The line of one step; measured steps are kept for the summary. */
  ObjectNode step(TimedStep t, boolean warmup) {
    if (!warmup) {
      measured.add(t);
    }
    StageTimes s = t.stages();
    ObjectNode n = base().put("step", t.step()).put("warmup", warmup);
    n.put("data_wait_ms", ms(t.dataWaitNs()))
        .put("forward_ms", ms(s.forwardNs()))
        .put("match_send_ms", ms(s.matchSendNs()))
        .put("match_wait_ms", ms(s.matchWaitNs()))
        .put("matching_ms", ms(s.matchingNs()))
        .put("loss_ms", ms(s.lossNs()))
        .put("backward_ms", ms(s.backwardNs()))
        .put("optimizer_ms", ms(s.optimizerNs()))
        .put("bus_ms", ms(busNs(t)))
        .put("compute_ms", ms(s.computeNs()))
        .put("train_ms", ms(t.trainNs()))
        .put("step_ms", ms(t.stepNs()))
        .put("efficiency", round(t.efficiency(), 4))
        .put("cpu_ms", ms(t.dataCpuNs() + t.trainCpuNs()))
        .put("train_cpu_ms", ms(t.trainCpuNs()));
    StageTimes c = t.log().cpuTimes();
    n.put("forward_cpu_ms", ms(c.forwardNs()))
        .put("matching_cpu_ms", ms(c.matchingNs()))
        .put("loss_cpu_ms", ms(c.lossNs()))
        .put("backward_cpu_ms", ms(c.backwardNs()))
        .put("optimizer_cpu_ms", ms(c.optimizerNs()))
        .put("loss", round(t.log().loss(), 5))
        .put("height", t.height()).put("width", t.width()).put("targets", t.targets());
    return n;
  }

  /** Trainer-thread time handing matchings to the event bus (0 for the local matcher). */
  private long busNs(TimedStep t) {
    return bus ? t.stages().matchSendNs() : 0;
  }

  List<TimedStep> measured() {
    return measured;
  }

  /** Medians over the measured steps and the pipeline efficiency; extra fields go in by caller. */
  ObjectNode summary() {
    ObjectNode n = base().put("summary", true).put("steps", measured.size());
    if (measured.isEmpty()) {
      return n;
    }
    n.put("data_wait_ms", median(t -> t.dataWaitNs()))
        .put("forward_ms", median(t -> t.stages().forwardNs()))
        .put("match_send_ms", median(t -> t.stages().matchSendNs()))
        .put("match_wait_ms", median(t -> t.stages().matchWaitNs()))
        .put("matching_ms", median(t -> t.stages().matchingNs()))
        .put("loss_ms", median(t -> t.stages().lossNs()))
        .put("matching_and_loss_ms", median(t -> t.stages().matchingNs() + t.stages().lossNs()))
        .put("backward_ms", median(t -> t.stages().backwardNs()))
        .put("optimizer_ms", median(t -> t.stages().optimizerNs()))
        .put("bus_ms", median(this::busNs))
        .put("compute_ms", median(t -> t.stages().computeNs()))
        .put("train_ms", median(t -> t.trainNs()))
        .put("step_ms", median(t -> t.stepNs()))
        .put("train_cpu_ms", median(t -> t.trainCpuNs()));
    // CPU times come in clock ticks: means over the steps, not medians
    n.put("cpu_ms_per_step", ms(mean(t -> t.dataCpuNs() + t.trainCpuNs())))
        .put("train_cpu_ms_mean", ms(mean(t -> t.trainCpuNs())))
        .put("forward_cpu_ms_mean", ms(mean(t -> t.log().cpuTimes().forwardNs())))
        .put("matching_cpu_ms_mean", ms(mean(t -> t.log().cpuTimes().matchingNs())))
        .put("loss_cpu_ms_mean", ms(mean(t -> t.log().cpuTimes().lossNs())))
        .put("matching_and_loss_cpu_ms_mean",
            ms(mean(t -> t.log().cpuTimes().matchingNs() + t.log().cpuTimes().lossNs())))
        .put("backward_cpu_ms_mean", ms(mean(t -> t.log().cpuTimes().backwardNs())))
        .put("optimizer_cpu_ms_mean", ms(mean(t -> t.log().cpuTimes().optimizerNs())));
    double compute = sum(t -> t.stages().computeNs());
    double wall = sum(TimedStep::stepNs);
    n.put("efficiency", round(compute / wall, 4))
        .put("mean_height", round(mean(t -> t.height()), 1))
        .put("mean_width", round(mean(t -> t.width()), 1))
        .put("mean_targets_per_image",
            round(sum(t -> t.targets()) / sum(t -> t.log().images()), 2));
    return n;
  }

  /**
   * jdetr / reference for this mode's summary: above 1 jdetr is slower. {@code train} compares
   * {@link jdetr.engine.TrainStep#run} with the reference's whole step (forward, criterion,
   * backward, clipping, AdamW), {@code step} adds jdetr's data wait. CPU ratios compare means of
   * process CPU time, wall ratios medians.
   */
  static ObjectNode ratio(String config, String mode, ObjectNode ours, JsonNode reference) {
    ObjectNode n = JSON.createObjectNode().put("bench", "train").put("what", "ratio")
        .put("config", config).put("mode", mode).put("of", "jdetr/reference");
    ratio(n, "train_cpu_ratio", ours, "train_cpu_ms_mean", reference, "train_cpu_ms_mean");
    ratio(n, "train_wall_ratio", ours, "train_ms", reference, "train_ms");
    ratio(n, "step_wall_ratio", ours, "step_ms", reference, "train_ms");
    for (String stage : List.of("forward", "matching_and_loss", "backward", "optimizer")) {
      ratio(n, stage + "_cpu_ratio", ours, stage + "_cpu_ms_mean", reference,
          stage + "_cpu_ms_mean");
      ratio(n, stage + "_wall_ratio", ours, stage + "_ms", reference, stage + "_ms");
    }
    n.put("reference_train_cpu_ms_mean", reference.path("train_cpu_ms_mean").asDouble())
        .put("reference_train_ms", reference.path("train_ms").asDouble());
    return n;
  }

  private static void ratio(ObjectNode out, String key, JsonNode ours, String oursKey,
      JsonNode theirs, String theirsKey) {
    double a = ours.path(oursKey).asDouble(Double.NaN);
    double b = theirs.path(theirsKey).asDouble(Double.NaN);
    if (a > 0 && b > 0) {
      out.put(key, round(a / b, 3));
    }
  }

  private double median(ToDoubleFunction<TimedStep> ns) {
    double[] v = measured.stream().mapToDouble(ns).sorted().toArray();
    double m = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    return ms(m);
  }

  private double sum(ToDoubleFunction<TimedStep> f) {
    return measured.stream().mapToDouble(f).sum();
  }

  private double mean(ToDoubleFunction<TimedStep> f) {
    return sum(f) / measured.size();
  }

  static double ms(double ns) {
    return round(ns / 1e6, 2);
  }

  static double round(double v, int digits) {
    double scale = Math.pow(10, digits);
    return Math.round(v * scale) / scale;
  }
}
