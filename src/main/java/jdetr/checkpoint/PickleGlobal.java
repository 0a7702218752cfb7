package jdetr.checkpoint;

/**
 * The globals a checkpoint pickle may name besides the storage classes: the tensor-rebuilding
 * functions, OrderedDict and torch.Size (the {@code weights_only} rule), plus argparse.Namespace,
 * which is never imported or called: it only yields an inert {@link PickledObject}.
 */
enum PickleGlobal {
  REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2"),
  REBUILD_TENSOR("torch._utils", "_rebuild_tensor"),
  REBUILD_PARAMETER("torch._utils", "_rebuild_parameter"),
  ORDERED_DICT("collections", "OrderedDict"),
  TORCH_SIZE("torch", "Size"),
  ARGPARSE_NAMESPACE("argparse", "Namespace");

  private final String module;
  private final String name;

  PickleGlobal(String module, String name) {
    this.module = module;
    this.name = name;
  }

  String qualifiedName() {
    return module + "." + name;
  }

  /**
   * The stack value for {@code module.name}: a PickleGlobal, a {@link TorchStorageType}, or null
   * when the global is not allowed.
   */
  static Object resolve(String module, String name) {
    for (PickleGlobal g : values()) {
      if (g.module.equals(module) && g.name.equals(name)) {
        return g;
      }
    }
    return TorchStorageType.byGlobalName(module, name);
  }
}
