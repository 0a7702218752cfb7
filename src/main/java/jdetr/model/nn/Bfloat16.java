package jdetr.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.IValue;

/**
 * bfloat16 arrays for inference. The engine binding (DJL 0.35) has no name for bfloat16: asking
 * it for that type aborts the JVM, and a bfloat16 array reports {@link DataType#UNKNOWN}. Every
 * other operation passes libtorch's tensors through untouched, so bfloat16 works once an array
 * has that type: {@link #of} casts through a one-line TorchScript module shipped in the jar
 * ({@code x.to(torch.bfloat16)}, written by generate_bfloat16_cast.py next to it), and
 * {@code toType(FLOAT32, false)} casts back. A float32 model never reaches the module: every
 * helper here is the identity on float32 inputs.
 */
public final class Bfloat16 {

  private static final ScriptedModule CAST = new ScriptedModule("/jdetr/model/bfloat16_cast.pt");

  private Bfloat16() {}

  /** Whether {@code a} holds bfloat16 (what DJL 0.35 reports as UNKNOWN). */
  public static boolean is(NDArray a) {
    return a.getDataType() == DataType.UNKNOWN;
  }

  /** A bfloat16 copy of the float32 array {@code a}, on {@code a}'s manager. */
  public static NDArray of(NDArray a) {
    if (is(a)) {
      return a;
    }
    if (a.getDataType() != DataType.FLOAT32 || !a.getDevice().equals(Device.cpu())) {
      throw new IllegalArgumentException("bfloat16 casts take float32 arrays on the CPU, got "
          + a.getDataType() + " on " + a.getDevice());
    }
    try (IValue in = IValue.from((PtNDArray) a); IValue out = CAST.get().forward(in)) {
      return out.toTensor((PtNDManager) a.getManager());
    }
  }

  /** {@code a} in the type of {@code like}: cast to bfloat16 when {@code like} is, else {@code a}. */
  public static NDArray like(NDArray a, NDArray like) {
    return is(like) && !is(a) ? of(a) : a;
  }

  /** Softmax over {@code axis}, computed in float32 for a bfloat16 input and cast back. */
  public static NDArray softmax(NDArray x, int axis) {
    if (!is(x)) {
      return x.softmax(axis);
    }
    return of(x.toType(DataType.FLOAT32, false).softmax(axis));
  }
}
