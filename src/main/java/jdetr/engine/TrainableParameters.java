package jdetr.engine;

import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdetr.model.nn.TorchBlock;

/** The parameters of a model that require a gradient, by state-dict name, in model order. */
public final class TrainableParameters {
  private TrainableParameters() {}

  /**
   * The reference optimises {@code [p for n, p in model.named_parameters() if p.requires_grad]};
   * like {@code named_parameters}, a parameter listed under several names (Deformable DETR's shared
   * heads) is listed once, under its first name.
   */
  public static List<NamedParameter> of(TorchBlock model) {
    List<NamedParameter> out = new ArrayList<>();
    Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
      if (e.getValue().requiresGradient() && seen.add(e.getValue())) {
        out.add(new NamedParameter(e.getKey(), e.getValue().getArray()));
      }
    }
    return out;
  }

  /** The reference's {@code n_parameters}: elements of every trainable parameter. */
  public static long count(TorchBlock model) {
    long n = 0;
    for (NamedParameter p : of(model)) {
      n += p.array().size();
    }
    return n;
  }
}
