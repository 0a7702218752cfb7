package jdetr.checkpoint;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Map;

/** Python's names for the values a pickle builds, for the messages of refusals. */
final class PythonTypes {
  private PythonTypes() {}

  /** An allowed global by its qualified name, any other value as "a <type>". */
  static String describe(Object o) {
    if (o instanceof PickleGlobal g) {
      return g.qualifiedName();
    }
    if (o instanceof TorchStorageType t) {
      return t.globalName();
    }
    return "a " + name(o);
  }

  static String name(Object o) {
    if (o == null) {
      return "None";
    }
    if (o instanceof String) {
      return "str";
    }
    if (o instanceof Long || o instanceof BigInteger) {
      return "int";
    }
    if (o instanceof Double) {
      return "float";
    }
    if (o instanceof Boolean) {
      return "bool";
    }
    if (o instanceof byte[]) {
      return "bytes";
    }
    if (o instanceof PickledTuple) {
      return "tuple";
    }
    if (o instanceof ArrayList<?>) {
      return "list";
    }
    if (o instanceof Map<?, ?>) {
      return "dict";
    }
    if (o instanceof PickledTensor) {
      return "tensor";
    }
    if (o instanceof PickledStorage) {
      return "storage";
    }
    return o.getClass().getSimpleName();
  }
}
