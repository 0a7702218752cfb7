package jdetr.checkpoint;

import ai.djl.ndarray.types.DataType;

/**
 * The typed storage classes a tensor-rebuilding pickle may name ({@code torch.FloatStorage} …),
 * their element size on disk, and the DJL type the tensor is loaded as: every floating type becomes
 * float32, integer and boolean types keep their width (int16, which DJL's PyTorch engine cannot
 * hold, is widened to int32).
 */
public enum TorchStorageType {
  FLOAT("FloatStorage", "float32", 4, DataType.FLOAT32),
  DOUBLE("DoubleStorage", "float64", 8, DataType.FLOAT32),
  HALF("HalfStorage", "float16", 2, DataType.FLOAT32),
  BFLOAT16("BFloat16Storage", "bfloat16", 2, DataType.FLOAT32),
  LONG("LongStorage", "int64", 8, DataType.INT64),
  INT("IntStorage", "int32", 4, DataType.INT32),
  SHORT("ShortStorage", "int16", 2, DataType.INT32), // DJL's PyTorch engine has no int16 arrays
  CHAR("CharStorage", "int8", 1, DataType.INT8),
  BYTE("ByteStorage", "uint8", 1, DataType.UINT8),
  BOOL("BoolStorage", "bool", 1, DataType.BOOLEAN);

  private final String className;
  private final String torchDtype;
  private final int elementSize;
  private final DataType loadedAs;

  TorchStorageType(String className, String torchDtype, int elementSize, DataType loadedAs) {
    this.className = className;
    this.torchDtype = torchDtype;
    this.elementSize = elementSize;
    this.loadedAs = loadedAs;
  }

  /** The pickled global's name, e.g. {@code torch.FloatStorage}. */
  public String globalName() {
    return "torch." + className;
  }

  /** torch's name of the element type, e.g. {@code float16}. */
  public String torchDtype() {
    return torchDtype;
  }

  /** Bytes per element on disk. */
  public int elementSize() {
    return elementSize;
  }

  /** The DJL type the tensor is loaded as. */
  public DataType loadedAs() {
    return loadedAs;
  }

  /** The storage type named by a pickle global, or null when the name is not a storage class. */
  static TorchStorageType byGlobalName(String module, String name) {
    if (!module.equals("torch")) {
      return null;
    }
    for (TorchStorageType t : values()) {
      if (t.className.equals(name)) {
        return t;
      }
    }
    return null;
  }
}
