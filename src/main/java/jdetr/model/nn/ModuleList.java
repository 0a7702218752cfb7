package jdetr.model.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code nn.ModuleList}: blocks named 0, 1, 2, … . The same block may be listed several times (the
 * reference's shared heads, {@code nn.ModuleList([head for _ in range(n)])}): its parameters then
 * appear under every index, as in the reference state_dict, and are one array.
 *
 * @param <B> the element type
 */
public final class ModuleList<B extends TorchBlock> extends TorchBlock {

  private final List<B> items = new ArrayList<>();

  public ModuleList(List<B> blocks) {
    for (B b : blocks) {
      items.add(child(Integer.toString(items.size()), b));
    }
  }

  /** {@code block} listed {@code n} times. */
  public static <B extends TorchBlock> ModuleList<B> shared(B block, int n) {
    return new ModuleList<>(Collections.nCopies(n, block));
  }

  public B get(int i) {
    return items.get(i);
  }

  public int size() {
    return items.size();
  }

  public List<B> items() {
    return Collections.unmodifiableList(items);
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    throw new UnsupportedOperationException("a module list is not called; its elements are");
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }
}
