package jdetr.checkpoint;

import java.util.Collections;
import java.util.List;

/** A Python tuple read from a pickle (lists are {@code ArrayList}, dicts {@code LinkedHashMap}). */
public record PickledTuple(List<Object> items) {

  public PickledTuple {
    items = Collections.unmodifiableList(items);
  }

  public int size() {
    return items.size();
  }

  public Object get(int i) {
    return items.get(i);
  }

  @Override
  public String toString() {
    return "tuple[" + items.size() + "]";
  }
}
