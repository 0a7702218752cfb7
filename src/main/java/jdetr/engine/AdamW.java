package jdetr.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code torch.optim.AdamW} (single-tensor path of torch 1.13) on DJL arrays, updating parameters
 * in place. Per parameter with gradient g, at step t of its group with rate lr:
 *
 * <pre>
 * p   ← p · (1 − lr·wd)                                  decoupled weight decay, first
 * m   ← β1·m + (1 − β1)·g
 * v   ← β2·v + (1 − β2)·g²
 * p   ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)
 * </pre>
 *
 * The scalar factors are computed in double and applied in float32, in torch's order. DJL's own
 * Adam differs (coupled decay, other defaults), hence this class. Moments live in a sub-manager of
 * the manager given at construction and are freed by {@link #close()}.
 */
public final class AdamW implements AutoCloseable {
  private final List<ParamGroup> groups;
  private final double[] lrs;
  private final AdamWConfig config;
  private final NDManager manager;
  private final Map<String, Slot> slots = new LinkedHashMap<>();

  private static final class Slot {
    final NamedParameter parameter;
    NDArray expAvg;
    NDArray expAvgSq;
    long step;

    Slot(NamedParameter parameter) {
      this.parameter = parameter;
    }
  }

  public AdamW(List<ParamGroup> groups, AdamWConfig config, NDManager parent) {
    this.groups = List.copyOf(groups);
    this.config = config;
    this.lrs = groups.stream().mapToDouble(ParamGroup::lr).toArray();
    for (ParamGroup g : groups) {
      for (NamedParameter p : g.parameters()) {
        if (slots.put(p.name(), new Slot(p)) != null) {
          throw new IllegalArgumentException("parameter " + p.name() + " is in more than one group");
        }
      }
    }
    this.manager = parent.newSubManager();
  }

  public int groupCount() {
    return groups.size();
  }

  public ParamGroup group(int index) {
    return groups.get(index);
  }

  /** Current learning rate of a group. */
  public double lr(int group) {
    return lrs[group];
  }

  /** Sets a group's learning rate (the scheduler, or a new rate given at resume). */
  public void setLr(int group, double lr) {
    lrs[group] = lr;
  }

  /** Every parameter array, in group order (what {@link GradientClipping} takes). */
  public List<NDArray> parameterArrays() {
    List<NDArray> out = new ArrayList<>(slots.size());
    for (Slot s : slots.values()) {
      out.add(s.parameter.array());
    }
    return out;
  }

  /** One update of every parameter from its current gradient. */
  public void step() {
    float beta1 = (float) config.beta1();
    float beta2 = (float) config.beta2();
    try (GradMode off = GradMode.disabled()) {
      for (int gi = 0; gi < groups.size(); gi++) {
        double lr = lrs[gi];
        for (NamedParameter np : groups.get(gi).parameters()) {
          Slot s = slots.get(np.name());
          NDArray p = np.array();
          if (s.expAvg == null) {
            s.expAvg = manager.zeros(p.getShape(), p.getDataType(), p.getDevice());
            s.expAvgSq = manager.zeros(p.getShape(), p.getDataType(), p.getDevice());
          }
          s.step++;
          double biasCorrection1 = 1 - Math.pow(config.beta1(), s.step);
          double biasCorrection2 = 1 - Math.pow(config.beta2(), s.step);
          double stepSize = lr / biasCorrection1;
          double biasCorrection2Sqrt = Math.sqrt(biasCorrection2);

          p.muli((float) (1 - lr * config.weightDecay()));
          try (NDArray g = p.getGradient();
              NDArray g1 = g.mul((float) (1 - config.beta1()));
              NDArray g2 = g.mul((float) (1 - config.beta2()))) {
            s.expAvg.muli(beta1).addi(g1); // exp_avg.mul_(β1).add_(g, alpha=1−β1)
            g2.muli(g);
            s.expAvgSq.muli(beta2).addi(g2); // exp_avg_sq.mul_(β2).addcmul_(g, g, value=1−β2)
          }
          try (NDArray denom = s.expAvgSq.sqrt();
              NDArray update = s.expAvg.mul((float) -stepSize)) {
            denom.divi((float) biasCorrection2Sqrt).addi((float) config.eps());
            update.divi(denom); // addcdiv_: value · exp_avg / denom
            p.addi(update);
          }
        }
      }
    }
  }

  /** Sets every parameter's gradient to zero (torch's {@code zero_grad()}, set_to_none=False). */
  public void zeroGrad() {
    for (Slot s : slots.values()) {
      JniUtils.zeroGrad((PtNDArray) s.parameter.array());
    }
  }

  /**
   * A copy of the state, with the moments duplicated into {@code target} so that training can go on
   * while the copy is written.
   */
  public AdamWState state(NDManager target) {
    Map<String, NDArray> moments = new HashMap<>();
    Map<String, Long> steps = new HashMap<>();
    for (Slot s : slots.values()) {
      steps.put(s.parameter.name(), s.step);
      if (s.expAvg != null) {
        moments.put(s.parameter.name() + AdamWState.EXP_AVG, copy(s.expAvg, target));
        moments.put(s.parameter.name() + AdamWState.EXP_AVG_SQ, copy(s.expAvgSq, target));
      }
    }
    List<Double> groupLrs = new ArrayList<>();
    for (double lr : lrs) {
      groupLrs.add(lr);
    }
    return new AdamWState(moments, steps, groupLrs);
  }

  /**
   * Continues from a saved state: copies the moments in and sets the step counts and rates.
   *
   * @throws IllegalArgumentException naming the parameter when the state does not fit the model
   */
  public void restore(AdamWState state) {
    if (state.lrs().size() != groups.size()) {
      throw new IllegalArgumentException("optimizer state has " + state.lrs().size()
          + " parameter groups, the optimizer " + groups.size());
    }
    for (String key : state.moments().keySet()) {
      String name = key.endsWith(AdamWState.EXP_AVG_SQ)
          ? key.substring(0, key.length() - AdamWState.EXP_AVG_SQ.length())
          : key.endsWith(AdamWState.EXP_AVG) ? key.substring(0, key.length() - AdamWState.EXP_AVG.length()) : key;
      if (!slots.containsKey(name)) {
        throw new IllegalArgumentException("optimizer state has " + key + " for an unknown parameter");
      }
    }
    for (Slot s : slots.values()) {
      String name = s.parameter.name();
      long step = state.steps().getOrDefault(name, 0L);
      NDArray m = state.moments().get(name + AdamWState.EXP_AVG);
      NDArray v = state.moments().get(name + AdamWState.EXP_AVG_SQ);
      if (step > 0 && (m == null || v == null)) {
        throw new IllegalArgumentException("optimizer state lacks the moments of " + name);
      }
      for (NDArray a : new NDArray[] {m, v}) {
        if (a != null && !a.getShape().equals(s.parameter.array().getShape())) {
          throw new IllegalArgumentException("optimizer state for " + name + " has shape "
              + a.getShape() + ", the parameter " + s.parameter.array().getShape());
        }
      }
      closeMoments(s);
      s.step = step;
      if (m != null && v != null) {
        s.expAvg = copy(m, manager);
        s.expAvgSq = copy(v, manager);
      }
    }
    for (int g = 0; g < lrs.length; g++) {
      lrs[g] = state.lrs().get(g);
    }
  }

  private static NDArray copy(NDArray a, NDManager target) {
    NDArray c = a.duplicate();
    c.attach(target);
    return c;
  }

  private static void closeMoments(Slot s) {
    if (s.expAvg != null) {
      s.expAvg.close();
      s.expAvgSq.close();
      s.expAvg = null;
      s.expAvgSq = null;
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
