package jdetr.engine;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Map;

/**
 * What a checkpoint keeps of {@link AdamW}: the moments as named arrays (for a safetensors file)
 * and the plain numbers (for state.json).
 *
 * @param moments {@code <param>.exp_avg} and {@code <param>.exp_avg_sq} for every parameter that
 *     has taken a step
 * @param steps per parameter, the number of steps taken (torch's {@code state[p]['step']})
 * @param lrs current learning rate of each group, in group order
 */
public record AdamWState(Map<String, NDArray> moments, Map<String, Long> steps, List<Double> lrs) {
  public static final String EXP_AVG = ".exp_avg";
  public static final String EXP_AVG_SQ = ".exp_avg_sq";

  public AdamWState {
    moments = Map.copyOf(moments);
    steps = Map.copyOf(steps);
    lrs = List.copyOf(lrs);
  }
}
