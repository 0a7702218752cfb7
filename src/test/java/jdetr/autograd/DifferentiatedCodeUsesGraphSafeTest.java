package jdetr.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages whose NDArray code is differentiated call none of the DJL methods that put Java memory
 * into the autograd graph (see {@link GraphSafe}): no {@code NDManager.create} from Java values, no
 * scalar {@code NDArray} overload other than addition, subtraction and comparisons. Checked on the
 * compiled classes, so every call site is found whatever the source looks like.
 */
class DifferentiatedCodeUsesGraphSafeTest {

  /** Packages (class-file folders) that build autograd graphs. */
  static final List<String> PACKAGES = List.of("jdetr/loss", "jdetr/box");

  /** Scalar overloads whose operand autograd does not keep, or that have no gradient. */
  static final Set<String> SAFE_SCALAR_METHODS =
      Set.of("add", "sub", "eq", "neq", "gt", "gte", "lt", "lte");

  @Test
  void noJavaMemoryEntersTheGraph() throws IOException, URISyntaxException {
    Path classes = Path.of(GraphSafe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> offences = new ArrayList<>();
    int scanned = 0;
    for (String pkg : PACKAGES) {
      try (Stream<Path> files = Files.list(classes.resolve(pkg))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
          scanned++;
          for (String[] ref : methodRefs(f)) {
            String owner = ref[0];
            String name = ref[1];
            String desc = ref[2];
            boolean javaData = owner.equals("ai/djl/ndarray/NDManager") && name.equals("create")
                && !desc.startsWith("(Lai/djl/ndarray/types/Shape;");
            boolean scalar = owner.equals("ai/djl/ndarray/NDArray") && desc.contains("Ljava/lang/Number;")
                && !SAFE_SCALAR_METHODS.contains(name);
            if (javaData || scalar) {
              offences.add(classes.relativize(f) + ": " + owner + "." + name + desc);
            }
          }
        }
      }
    }
    assertThat(scanned).as("classes scanned").isGreaterThan(5);
    assertThat(offences).as("use GraphSafe instead").isEmpty();
  }

  @Test
  void theScanFindsTheUnsafeCalls() throws IOException, URISyntaxException {
    Path self = Path.of(getClass().getResource("DifferentiatedCodeUsesGraphSafeTest$Unsafe.class").toURI());
    assertThat(methodRefs(self))
        .anySatisfy(r -> assertThat(r).containsExactly(
            "ai/djl/ndarray/NDArray", "mul", "(Ljava/lang/Number;)Lai/djl/ndarray/NDArray;"))
        .anySatisfy(r -> assertThat(r).containsExactly(
            "ai/djl/ndarray/NDManager", "create", "([FLai/djl/ndarray/types/Shape;)Lai/djl/ndarray/NDArray;"));
  }

  /** What the scan must find. */
  static final class Unsafe {
    static ai.djl.ndarray.NDArray f(ai.djl.ndarray.NDManager m, ai.djl.ndarray.NDArray x) {
      return x.mul(2f).add(m.create(new float[] {1}, new ai.djl.ndarray.types.Shape(1)));
    }
  }

  /** (owner, name, descriptor) of every method and interface-method reference in a class file. */
  static List<String[]> methodRefs(Path classFile) throws IOException {
    try (InputStream raw = Files.newInputStream(classFile);
        DataInputStream in = new DataInputStream(raw)) {
      if (in.readInt() != 0xCAFEBABE) {
        throw new IOException(classFile + ": not a class file");
      }
      in.readUnsignedShort(); // minor
      in.readUnsignedShort(); // major
      int count = in.readUnsignedShort();
      String[] utf8 = new String[count];
      int[] first = new int[count];
      int[] second = new int[count];
      int[] tag = new int[count];
      for (int i = 1; i < count; i++) {
        tag[i] = in.readUnsignedByte();
        switch (tag[i]) {
          case 1 -> utf8[i] = in.readUTF();
          case 7, 8, 16, 19, 20 -> first[i] = in.readUnsignedShort();
          case 9, 10, 11, 12, 17, 18 -> {
            first[i] = in.readUnsignedShort();
            second[i] = in.readUnsignedShort();
          }
          case 3, 4 -> in.readInt();
          case 5, 6 -> {
            in.readLong();
            i++; // takes two entries
          }
          case 15 -> {
            in.readUnsignedByte();
            in.readUnsignedShort();
          }
          default -> throw new IOException(classFile + ": unknown constant pool tag " + tag[i]);
        }
      }
      List<String[]> refs = new ArrayList<>();
      for (int i = 1; i < count; i++) {
        if (tag[i] == 10 || tag[i] == 11) {
          String owner = utf8[first[first[i]]];
          int nameAndType = second[i];
          refs.add(new String[] {owner, utf8[first[nameAndType]], utf8[second[nameAndType]]});
        }
      }
      return refs;
    }
  }
}
