package jdetr.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DJL block whose parameters and children carry PyTorch module names, so that the dotted path
 * of every parameter equals its key in the reference {@code state_dict} (for example
 * {@code transformer.decoder.layers.0.multihead_attn.in_proj_weight}).
 *
 * <p>Parameter shapes are fixed at construction; {@link #initialize} fills them with each
 * parameter's initializer (PyTorch's defaults, see {@link TorchInit}). Parameters that PyTorch
 * keeps as buffers, or that are frozen, are created without gradient.
 *
 * <p>Arrays derived from parameters inside a forward pass (reshapes, slices) are moved to the
 * activations' manager with {@link #onManagerOf}, so repeated forwards under a per-call
 * sub-manager leave nothing behind on the model's manager.
 */
public abstract class TorchBlock extends AbstractBlock {

  private final LinkedHashMap<String, TorchBlock> namedChildren = new LinkedHashMap<>();

  /** Registers a child module under its PyTorch attribute name (dots allowed: "layers.0"). */
  protected final <B extends TorchBlock> B child(String name, B block) {
    namedChildren.put(name, block);
    return addChildBlock(name, block);
  }

  /** Declares a parameter (or buffer) with a fixed shape and its initializer. */
  protected final Parameter param(String name, Parameter.Type type, Shape shape,
      Initializer init, boolean requiresGrad) {
    return addParameter(Parameter.builder().setName(name).setType(type).optShape(shape)
        .optInitializer(init).optRequiresGrad(requiresGrad).build());
  }

  /** Every parameter and buffer below this block, keyed by its reference state_dict name. */
  public final LinkedHashMap<String, Parameter> namedParameters() {
    LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
    collect("", out);
    return out;
  }

  /** Direct children by their PyTorch names. */
  public final Map<String, TorchBlock> namedChildren() {
    return Collections.unmodifiableMap(namedChildren);
  }

  private void collect(String prefix, Map<String, Parameter> out) {
    for (Parameter p : parameters.values()) {
      out.put(prefix + p.getName(), p);
    }
    namedChildren.forEach((name, c) -> c.collect(prefix + name + ".", out));
  }

  /**
   * Fills every parameter below this block with fresh values from its initializer, in place
   * (the arrays keep their identity and gradient flag).
   */
  public final void reinitialize() {
    for (Parameter p : namedParameters().values()) {
      NDArray target = p.getArray();
      try (NDManager tmp = target.getManager().newSubManager()) {
        NDArray fresh = p.getInitializer().initialize(tmp, target.getShape(), target.getDataType());
        target.set(fresh.toByteBuffer());
      }
    }
  }

  /** Gives an array derived from parameters to the manager that owns the activation {@code like}. */
  protected static NDArray onManagerOf(NDArray like, NDArray derived) {
    derived.attach(like.getManager());
    return derived;
  }

  /** Inverted dropout with rate {@code p} when training; the identity otherwise. */
  protected static NDArray dropout(NDArray x, float p, boolean training) {
    if (!training || p == 0f) {
      return x;
    }
    return ai.djl.nn.norm.Dropout.dropout(x, p, true).singletonOrThrow();
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    for (TorchBlock c : namedChildren.values()) {
      c.initialize(manager, dataType, inputShapes);
    }
  }

  @Override
  protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
      PairList<String, Object> params) {
    return forwardList(inputs, training);
  }

  /**
   * The block's computation on its inputs; parameters are read from this block (one model per
   * device, as the training and serving stages use it).
   */
  protected abstract NDList forwardList(NDList inputs, boolean training);
}
