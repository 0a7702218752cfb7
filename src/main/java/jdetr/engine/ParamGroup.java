package jdetr.engine;

import java.util.List;

/**
 * Parameters sharing one learning rate, like a torch optimizer's param group.
 *
 * @param name what the group holds ("default", "backbone", "linear_proj")
 * @param lr initial learning rate
 * @param parameters the group's parameters, in model order
 */
public record ParamGroup(String name, double lr, List<NamedParameter> parameters) {
  public ParamGroup {
    parameters = List.copyOf(parameters);
  }
}
