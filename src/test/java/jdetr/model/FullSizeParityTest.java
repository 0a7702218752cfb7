package jdetr.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The default DETR-R50 (hidden 256, 6+6 layers, 100 queries, 91 classes) on one 800x1066 image,
 * with weights read from the safetensors file written by generate_model_fixtures.py --full-size.
 * Heavy (about 170 MB of weights): runs only with -Djdetr.parity.fullsize=DIR.
 */
@EnabledIfSystemProperty(named = "jdetr.parity.fullsize", matches = ".+")
class FullSizeParityTest {

  @Test
  void defaultR50At800x1066MatchesTheReference() throws IOException {
    Path dir = Path.of(System.getProperty("jdetr.parity.fullsize"));
    String name = "r50_default_800x1066";
    assertThat(dir.resolve(name + ".json")).as("fixture written by generate_model_fixtures.py --full-size")
        .isRegularFile();
    DetrParityTest.compareCase(dir, name, dir.resolve(name + ".weights.safetensors"),
        ParityFixture.TOLERANCE);
  }
}
