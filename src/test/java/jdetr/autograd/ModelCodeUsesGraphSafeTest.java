package jdetr.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The model's forward pass (packages jdetr.model, jdetr.model.nn and jdetr.model.deformable) puts
 * no Java memory into the autograd graph: the same class-file scan as
 * {@link DifferentiatedCodeUsesGraphSafeTest}. {@code ModelInput} is exempt: it builds the input images and mask, which no graph keeps (the
 * stem is always frozen, so the first convolution records nothing, and the mask is read on the
 * host).
 */
class ModelCodeUsesGraphSafeTest {

  static final List<String> EXEMPT = List.of("ModelInput.class");

  @Test
  void noJavaMemoryEntersTheModelGraph() throws IOException, URISyntaxException {
    Path classes = Path.of(GraphSafe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> offences = new ArrayList<>();
    int scanned = 0;
    for (String pkg : List.of("jdetr/model", "jdetr/model/nn", "jdetr/model/deformable")) {
      try (Stream<Path> files = Files.list(classes.resolve(pkg))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".class")
            && !EXEMPT.contains(p.getFileName().toString())).toList()) {
          scanned++;
          for (String[] ref : DifferentiatedCodeUsesGraphSafeTest.methodRefs(f)) {
            boolean javaData = ref[0].equals("ai/djl/ndarray/NDManager") && ref[1].equals("create")
                && !ref[2].startsWith("(Lai/djl/ndarray/types/Shape;");
            boolean scalar = ref[0].equals("ai/djl/ndarray/NDArray")
                && ref[2].contains("Ljava/lang/Number;")
                && !DifferentiatedCodeUsesGraphSafeTest.SAFE_SCALAR_METHODS.contains(ref[1]);
            if (javaData || scalar) {
              offences.add(classes.relativize(f) + ": " + ref[0] + "." + ref[1] + ref[2]);
            }
          }
        }
      }
    }
    assertThat(scanned).as("classes scanned").isGreaterThan(20);
    assertThat(offences).as("use GraphSafe instead").isEmpty();
  }
}
