package jdetr.checkpoint;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A restricted pickle interpreter for {@code torch.save} streams. It builds plain values (Long,
 * BigInteger, Double, String, Boolean, null, byte[], {@link PickledTuple}, ArrayList,
 * LinkedHashMap), storage and tensor descriptors, and inert {@link PickledObject}s; it never
 * imports or calls anything. Only the globals of {@link PickleGlobal} and {@link TorchStorageType}
 * are accepted, REDUCE only on the rebuild functions, OrderedDict and torch.Size, NEWOBJ only on
 * argparse.Namespace, BUILD only on dicts and that namespace. Every other global or opcode is
 * refused with an {@link UnsafeCheckpointException} naming it and its byte offset.
 */
final class PickleMachine {

  /** Resolves a BINPERSID id (a tuple such as {@code ('storage', FloatStorage, '0', 'cpu', 6)}). */
  interface PersistentLoader {
    Object load(PickledTuple pid, String where) throws UnsafeCheckpointException;
  }

  private static final int MAX_KEY_DEPTH = 16;

  private final PickleInput in;
  private final PersistentLoader loader;
  private final CheckpointLimits limits;
  private final Map<Long, Object> memo = new HashMap<>();
  private final ArrayDeque<ArrayList<Object>> marks = new ArrayDeque<>();
  /** The attribute maps behind the namespaces this stream created, filled by their BUILD. */
  private final Map<PickledObject, Map<String, Object>> namespaces = new IdentityHashMap<>();
  private ArrayList<Object> stack = new ArrayList<>();
  private long pushed;
  private long opOffset;
  private String opName = "";

  /** @param loader resolves persistent ids; null when the stream may not hold any. */
  PickleMachine(PickleInput in, PersistentLoader loader, CheckpointLimits limits) {
    this.in = in;
    this.loader = loader;
    this.limits = limits;
  }

  /** Runs the stream to its STOP opcode and returns the pickled value. */
  Object load() throws IOException {
    while (true) {
      opOffset = in.offset();
      int op = in.readUnsignedByte("opcode");
      opName = PickleOpcodes.describe(op);
      switch (op) {
        case 0x80 -> { // PROTO: versions 2..5 read the same
          if (in.readUnsignedByte("PROTO") > 5) {
            throw refuse("unknown pickle protocol");
          }
        }
        case 0x95 -> in.readUnsigned(8, "FRAME"); // FRAME: a length hint; ops are read one by one
        case '.' -> { // STOP
          return pop();
        }
        case '(' -> { // MARK
          count(); // a MARK allocates a new stack
          marks.push(stack);
          stack = new ArrayList<>();
        }
        case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
        case ']' -> push(new ArrayList<>()); // EMPTY_LIST
        case ')' -> push(new PickledTuple(List.of())); // EMPTY_TUPLE
        case 't' -> push(new PickledTuple(popMark())); // TUPLE
        case 0x85 -> push(tuple(1)); // TUPLE1
        case 0x86 -> push(tuple(2)); // TUPLE2
        case 0x87 -> push(tuple(3)); // TUPLE3
        case 'N' -> push(null); // NONE
        case 0x88 -> push(Boolean.TRUE); // NEWTRUE
        case 0x89 -> push(Boolean.FALSE); // NEWFALSE
        case 'K' -> push(in.readUnsigned(1, "BININT1"));
        case 'M' -> push(in.readUnsigned(2, "BININT2"));
        case 'J' -> push((long) (int) in.readUnsigned(4, "BININT"));
        case 0x8a -> push(long1()); // LONG1
        case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.readUnsigned(8, "BINFLOAT"))));
        case 'X' -> push(utf8(in.readBytes(in.readUnsigned(4, "BINUNICODE"), "BINUNICODE")));
        case 0x8c -> push(utf8(in.readBytes(in.readUnsigned(1, opName), opName)));
        case 0x8d -> push(utf8(in.readBytes(in.readUnsigned(8, opName), opName)));
        case 'U' -> push(latin1(in.readBytes(in.readUnsigned(1, opName), opName)));
        case 'T' -> push(latin1(in.readBytes(in.readUnsigned(4, opName), opName)));
        case 'C' -> push(in.readBytes(in.readUnsigned(1, opName), opName)); // SHORT_BINBYTES
        case 'B' -> push(in.readBytes(in.readUnsigned(4, opName), opName)); // BINBYTES
        case 'q' -> memo.put(in.readUnsigned(1, "BINPUT"), top()); // BINPUT
        case 'r' -> memo.put(in.readUnsigned(4, "LONG_BINPUT"), top()); // LONG_BINPUT
        case 0x94 -> memo.put((long) memo.size(), top()); // MEMOIZE
        case 'h' -> push(memoGet(in.readUnsigned(1, "BINGET"))); // BINGET
        case 'j' -> push(memoGet(in.readUnsigned(4, "LONG_BINGET"))); // LONG_BINGET
        case '0' -> pop(); // POP
        case '1' -> popMark(); // POP_MARK
        case '2' -> push(top()); // DUP
        case 'a' -> append(Collections.singletonList(pop())); // APPEND
        case 'e' -> append(popMark()); // APPENDS
        case 's' -> { // SETITEM
          Object value = pop();
          Object key = pop();
          setItems(Arrays.asList(key, value));
        }
        case 'u' -> setItems(popMark()); // SETITEMS
        case 'c' -> { // GLOBAL
          String module = in.readLine(256, "GLOBAL module");
          String name = in.readLine(256, "GLOBAL name");
          push(global(module, name));
        }
        case 0x93 -> { // STACK_GLOBAL
          Object name = pop();
          Object module = pop();
          if (!(module instanceof String m) || !(name instanceof String n)) {
            throw refuse("STACK_GLOBAL needs two strings on the stack");
          }
          push(global(m, n));
        }
        case 'R' -> reduce(); // REDUCE
        case 0x81 -> newObject(); // NEWOBJ
        case 'b' -> build(); // BUILD
        case 'Q' -> persistentLoad(); // BINPERSID
        default -> throw refuse("opcode " + opName + " is not allowed");
      }
    }
  }

  private Object global(String module, String name) throws UnsafeCheckpointException {
    Object resolved = PickleGlobal.resolve(module, name);
    if (resolved == null) {
      throw refuse("global " + module + "." + name + " is not allowed (only the tensor-rebuilding"
          + " globals of torch._utils, the torch storage classes, torch.Size,"
          + " collections.OrderedDict and argparse.Namespace are)");
    }
    return resolved;
  }

  private void reduce() throws IOException {
    Object args = pop();
    Object callable = pop();
    if (!(args instanceof PickledTuple a)) {
      throw refuse("REDUCE arguments must be a tuple, not " + PythonTypes.name(args));
    }
    if (!(callable instanceof PickleGlobal g)) {
      throw refuse("REDUCE of " + PythonTypes.describe(callable) + " is not allowed");
    }
    push(switch (g) {
      case REBUILD_TENSOR_V2, REBUILD_TENSOR -> rebuildTensor(g, a);
      case REBUILD_PARAMETER -> {
        if (a.size() != 3 || !(a.get(0) instanceof PickledTensor t)
            || !(a.get(1) instanceof Boolean requiresGrad)) {
          throw refuse("_rebuild_parameter expects (tensor, requires_grad, backward_hooks)");
        }
        if (!(a.get(2) instanceof Map<?, ?> hooks) || !hooks.isEmpty()) {
          throw refuse("_rebuild_parameter: backward hooks must be an empty OrderedDict");
        }
        yield new PickledTensor(t.storage(), t.storageOffset(), t.shape(), t.stride(),
            requiresGrad);
      }
      case ORDERED_DICT -> {
        if (a.size() != 0) {
          throw refuse("collections.OrderedDict is only rebuilt empty, got " + a.size() + " args");
        }
        yield new LinkedHashMap<Object, Object>();
      }
      case TORCH_SIZE -> {
        if (a.size() != 1 || !(a.get(0) instanceof PickledTuple dims)) {
          throw refuse("torch.Size expects one tuple");
        }
        yield dims;
      }
      case ARGPARSE_NAMESPACE -> throw refuse("REDUCE of argparse.Namespace is not allowed");
    });
  }

  /** (storage, offset, size, stride[, requires_grad, backward_hooks[, metadata]]). */
  private PickledTensor rebuildTensor(PickleGlobal g, PickledTuple a) throws IOException {
    int expected = g == PickleGlobal.REBUILD_TENSOR ? 4 : 6;
    if (a.size() != expected && !(g == PickleGlobal.REBUILD_TENSOR_V2 && a.size() == 7)) {
      throw refuse(g.qualifiedName() + " expects " + expected + " arguments, got " + a.size());
    }
    if (!(a.get(0) instanceof PickledStorage storage) || !(a.get(1) instanceof Long offset)) {
      throw refuse(g.qualifiedName() + " expects a storage and an integer offset");
    }
    boolean requiresGrad = false;
    if (expected == 6) {
      if (!(a.get(4) instanceof Boolean rg)) {
        throw refuse(g.qualifiedName() + ": requires_grad must be a bool");
      }
      requiresGrad = rg;
      if (!(a.get(5) instanceof Map<?, ?> hooks) || !hooks.isEmpty()) {
        throw refuse(g.qualifiedName() + ": backward hooks must be an empty OrderedDict");
      }
    }
    return PickledTensor.rebuild(storage, offset, longs(a.get(2), "size"), longs(a.get(3), "stride"),
        requiresGrad, limits, "REDUCE at offset " + opOffset + " of " + in.source());
  }

  private long[] longs(Object tuple, String what) throws UnsafeCheckpointException {
    if (!(tuple instanceof PickledTuple t)) {
      throw refuse("tensor " + what + " must be a tuple, not " + PythonTypes.name(tuple));
    }
    long[] out = new long[t.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(t.get(i) instanceof Long v)) {
        throw refuse("tensor " + what + " must hold integers");
      }
      out[i] = v;
    }
    return out;
  }

  private void newObject() throws UnsafeCheckpointException {
    Object args = pop();
    Object cls = pop();
    if (cls != PickleGlobal.ARGPARSE_NAMESPACE) {
      throw refuse("NEWOBJ of " + PythonTypes.describe(cls) + " is not allowed");
    }
    if (!(args instanceof PickledTuple a) || a.size() != 0) {
      throw refuse("NEWOBJ of argparse.Namespace must have no arguments");
    }
    Map<String, Object> attributes = new LinkedHashMap<>();
    PickledObject namespace = new PickledObject("argparse.Namespace", attributes);
    namespaces.put(namespace, attributes);
    push(namespace);
  }

  private void build() throws UnsafeCheckpointException {
    Object state = pop();
    Object target = top();
    if (!(state instanceof Map<?, ?> attributes)) {
      throw refuse("BUILD state must be a dict, not " + PythonTypes.name(state));
    }
    if (target instanceof PickledObject && namespaces.containsKey(target)) {
      Map<String, Object> fields = namespaces.get(target);
      for (Map.Entry<?, ?> e : attributes.entrySet()) {
        if (!(e.getKey() instanceof String name)) {
          throw refuse("argparse.Namespace attribute names must be strings");
        }
        fields.put(name, e.getValue());
      }
    } else if (!(target instanceof LinkedHashMap<?, ?>)) {
      // An OrderedDict's BUILD carries state-dict metadata ({'_metadata': ...}); it is dropped.
      throw refuse("BUILD on " + PythonTypes.describe(target) + " is not allowed");
    }
  }

  private void persistentLoad() throws UnsafeCheckpointException {
    Object pid = pop();
    if (loader == null) {
      throw refuse("persistent ids are not allowed in this pickle");
    }
    if (!(pid instanceof PickledTuple t)) {
      throw refuse("persistent id must be a tuple, not " + PythonTypes.name(pid));
    }
    push(loader.load(t, "BINPERSID at offset " + opOffset + " of " + in.source()));
  }

  private void append(List<Object> items) throws UnsafeCheckpointException {
    if (!(top() instanceof ArrayList<?>)) {
      throw refuse("target is " + PythonTypes.describe(top()) + ", not a list");
    }
    @SuppressWarnings("unchecked")
    ArrayList<Object> list = (ArrayList<Object>) top();
    list.addAll(items);
  }

  private void setItems(List<Object> items) throws UnsafeCheckpointException {
    if (!(top() instanceof LinkedHashMap<?, ?>)) {
      throw refuse("target is " + PythonTypes.describe(top()) + ", not a dict");
    }
    if (items.size() % 2 != 0) {
      throw refuse("odd number of items");
    }
    @SuppressWarnings("unchecked")
    Map<Object, Object> dict = (Map<Object, Object>) top();
    for (int i = 0; i < items.size(); i += 2) {
      requireHashable(items.get(i), 0);
      dict.put(items.get(i), items.get(i + 1));
    }
  }

  private void requireHashable(Object key, int depth) throws UnsafeCheckpointException {
    if (key instanceof PickledTuple t && depth < MAX_KEY_DEPTH) {
      for (Object item : t.items()) {
        requireHashable(item, depth + 1);
      }
    } else if (!(key == null || key instanceof String || key instanceof Long
        || key instanceof BigInteger || key instanceof Double || key instanceof Boolean)) {
      throw refuse("dict key " + PythonTypes.describe(key) + " is not hashable");
    }
  }

  private Object long1() throws IOException {
    int n = in.readUnsignedByte("LONG1");
    byte[] le = in.readBytes(n, "LONG1");
    if (n == 0) {
      return 0L;
    }
    byte[] be = new byte[n];
    for (int i = 0; i < n; i++) {
      be[i] = le[n - 1 - i];
    }
    BigInteger v = new BigInteger(be);
    return v.bitLength() < 64 ? (Object) v.longValue() : v;
  }

  private PickledTuple tuple(int n) throws UnsafeCheckpointException {
    if (stack.size() < n) {
      throw refuse("stack underflow");
    }
    List<Object> tail = stack.subList(stack.size() - n, stack.size());
    PickledTuple t = new PickledTuple(new ArrayList<>(tail));
    tail.clear();
    return t;
  }

  private List<Object> popMark() throws UnsafeCheckpointException {
    if (marks.isEmpty()) {
      throw refuse("no MARK on the stack");
    }
    List<Object> items = stack;
    stack = marks.pop();
    return items;
  }

  private Object memoGet(long key) throws UnsafeCheckpointException {
    if (!memo.containsKey(key)) {
      throw refuse("memo key " + key + " was never stored");
    }
    return memo.get(key);
  }

  private void push(Object o) throws UnsafeCheckpointException {
    count();
    stack.add(o);
  }

  /** Bounds the objects a stream can make: the pickle size alone would allow ~80 bytes per byte. */
  private void count() throws UnsafeCheckpointException {
    if (++pushed > limits.maxPickleValues()) {
      throw refuse("more than " + limits.maxPickleValues() + " values");
    }
  }

  private Object pop() throws UnsafeCheckpointException {
    if (stack.isEmpty()) {
      throw refuse("stack underflow");
    }
    return stack.remove(stack.size() - 1);
  }

  private Object top() throws UnsafeCheckpointException {
    if (stack.isEmpty()) {
      throw refuse("stack underflow");
    }
    return stack.get(stack.size() - 1);
  }

  private String utf8(byte[] bytes) throws UnsafeCheckpointException {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw refuse("string is not valid UTF-8");
    }
  }

  private static String latin1(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  private UnsafeCheckpointException refuse(String why) {
    return new UnsafeCheckpointException(in.source() + ": " + opName + " at offset " + opOffset
        + ": " + why);
  }
}
