package jdetr.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One tiny fixture per rule, made from a clean one; exactly that rule must fire. */
class DatasetValidationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path root;

  /** A fixture: a mutation of the clean JSON, of the image files, and the options. */
  record Fixture(Consumer<ObjectNode> json, FileMutation files, ValidationOptions options) {}

  interface FileMutation {
    void apply(Path images) throws IOException;
  }

  static ObjectNode clean() {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode images = root.putArray("images");
    images.addObject().put("id", 1).put("file_name", "1.jpg").put("width", 16).put("height", 12);
    images.addObject().put("id", 2).put("file_name", "2.png").put("width", 16).put("height", 12);
    images.addObject().put("id", 3).put("file_name", "3.jpg").put("width", 20).put("height", 10);
    ArrayNode anns = root.putArray("annotations");
    annotation(anns, 10, 1, 1, 1, 1, 5, 5);
    annotation(anns, 11, 1, 2, 2, 3, 4, 4);
    annotation(anns, 12, 2, 2, 0, 0, 16, 12);
    annotation(anns, 13, 3, 1, 10.5, 2.25, 9.5, 7.75);
    ArrayNode cats = root.putArray("categories");
    cats.addObject().put("id", 1).put("name", "rectangle").put("supercategory", "shape");
    cats.addObject().put("id", 2).put("name", "ellipse").put("supercategory", "shape");
    return root;
  }

  private static void annotation(ArrayNode a, long id, long image, int category, double x,
      double y, double w, double h) {
    ObjectNode o = a.addObject().put("id", id).put("image_id", image).put("category_id", category);
    o.putArray("bbox").add(x).add(y).add(w).add(h);
    o.put("area", w * h).put("iscrowd", 0);
    o.putArray("segmentation").addArray().add(x).add(y).add(x + w).add(y).add(x + w).add(y + h);
  }

  private static ObjectNode image(ObjectNode root, int i) {
    return (ObjectNode) root.withArray("images").get(i);
  }

  private static ObjectNode ann(ObjectNode root, int i) {
    return (ObjectNode) root.withArray("annotations").get(i);
  }

  private static ObjectNode cat(ObjectNode root, int i) {
    return (ObjectNode) root.withArray("categories").get(i);
  }

  private static Fixture json(Consumer<ObjectNode> m) {
    return new Fixture(m, images -> {}, ValidationOptions.DEFAULT);
  }

  private static Fixture files(FileMutation m) {
    return new Fixture(r -> {}, m, ValidationOptions.DEFAULT);
  }

  private static final double NAN_MARKER = 123456.5;

  static Stream<Arguments> rules() {
    return Stream.of(
        Arguments.of(ValidationRule.V1, json(r -> r.remove("annotations"))),
        Arguments.of(ValidationRule.V2, json(r -> image(r, 0).remove("file_name"))),
        Arguments.of(ValidationRule.V3, json(r -> ann(r, 0).remove("bbox"))),
        Arguments.of(ValidationRule.V4, json(r -> cat(r, 0).remove("name"))),
        Arguments.of(ValidationRule.V5, json(r -> r.withArray("images").addObject().put("id", 1)
            .put("file_name", "2.png").put("width", 16).put("height", 12))),
        Arguments.of(ValidationRule.V6, json(r -> ann(r, 1).put("id", 10))),
        Arguments.of(ValidationRule.V7, json(r -> r.withArray("categories").addObject()
            .put("id", 2).put("name", "circle"))),
        Arguments.of(ValidationRule.V8, json(r -> ann(r, 0).put("image_id", 99))),
        Arguments.of(ValidationRule.V9, json(r -> ann(r, 0).put("category_id", 7))),
        Arguments.of(ValidationRule.V10, new Fixture(r -> {}, images -> {},
            new ValidationOptions(false, true, ImageLimits.DEFAULT, 2))),
        Arguments.of(ValidationRule.V11, json(r -> ((ArrayNode) ann(r, 0).get("bbox")).set(0,
            NAN_MARKER))),
        Arguments.of(ValidationRule.V12, json(r -> ((ArrayNode) ann(r, 0).get("bbox")).set(2, 0))),
        Arguments.of(ValidationRule.V13, json(r -> ((ArrayNode) ann(r, 0).get("bbox")).set(0, -1))),
        Arguments.of(ValidationRule.V14, json(r -> ((ArrayNode) ann(r, 0).get("bbox")).set(0, 30))),
        Arguments.of(ValidationRule.V15, json(r -> image(r, 2).put("width", 0))),
        Arguments.of(ValidationRule.V16, json(r -> ann(r, 0).remove("area"))),
        Arguments.of(ValidationRule.V17, json(r -> ann(r, 0).put("iscrowd", 2))),
        Arguments.of(ValidationRule.V18, json(r -> image(r, 0).put("file_name", "../1.jpg"))),
        Arguments.of(ValidationRule.V19, json(r -> ((ArrayNode) ann(r, 0).get("bbox")).set(3, -2))),
        Arguments.of(ValidationRule.V20, json(r -> ann(r, 0).put("id", 0))),
        Arguments.of(ValidationRule.F1, files(images -> Files.delete(images.resolve("1.jpg")))),
        Arguments.of(ValidationRule.F2, files(images ->
            Files.writeString(images.resolve("2.png"), "<html>not an image</html>"))),
        Arguments.of(ValidationRule.F3, files(images -> {
          byte[] jpeg = Files.readAllBytes(images.resolve("1.jpg"));
          Files.write(images.resolve("1.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 2));
        })),
        Arguments.of(ValidationRule.F4, files(images ->
            Files.write(images.resolve("2.png"), HostileImages.pngBomb(100_000, 100_000)))),
        Arguments.of(ValidationRule.F5, json(r -> image(r, 0).put("width", 17))));
  }

  private CocoDataset build(Fixture fixture) throws IOException {
    Path images = Files.createDirectories(root.resolve("train2017"));
    writeImage(images.resolve("1.jpg"), 16, 12, "jpg");
    writeImage(images.resolve("2.png"), 16, 12, "png");
    writeImage(images.resolve("3.jpg"), 20, 10, "jpg");
    fixture.files().apply(images);
    ObjectNode json = clean();
    fixture.json().accept(json);
    Path file = Files.createDirectories(root.resolve("annotations"))
        .resolve("instances_train2017.json");
    Files.writeString(file, JSON.writeValueAsString(json).replace(Double.toString(NAN_MARKER),
        "NaN"));
    return CocoDataset.open(CocoPaths.resolve(root, "train"));
  }

  static void writeImage(Path file, int w, int h, String format) throws IOException {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) image.setRGB(x, y, (x * 16) << 16 | (y * 20) << 8 | 99);
    }
    ImageIO.write(image, format, file.toFile());
  }

  @Test
  void cleanFixtureHasNoFindingsAndPassesStrictMode() throws IOException {
    CocoDataset dataset = build(json(r -> {}));
    ValidationReport report = DatasetValidation.validate(dataset, ValidationOptions.DEFAULT);
    assertThat(report.findings()).isEmpty();
    assertThat(report.passes(true)).isTrue();
    assertThat(report.images()).isEqualTo(3);
    assertThat(report.objects()).isEqualTo(4);
    assertThat(dataset.numClasses()).isEqualTo(3);
    assertThat(dataset.categoryNames()).containsValues("rectangle", "ellipse");
    assertThat(DatasetValidation.validate(dataset.withMasks(true), ValidationOptions.DEFAULT)
        .findings()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void exactlyThisRuleFires(ValidationRule rule, Fixture fixture) throws IOException {
    ValidationReport report = DatasetValidation.validate(build(fixture), fixture.options());
    assertThat(report.findings()).extracting(ValidationFinding::rule).containsExactly(rule);
    ValidationFinding f = report.findings().get(0);
    assertThat(f.count()).isEqualTo(1);
    assertThat(f.examples()).hasSize(1);
    assertThat(report.passes(true)).isFalse();
    assertThat(report.passes(false)).isEqualTo(rule.severity() == ValidationRule.Severity.WARNING);
  }

  static Stream<Arguments> maskRules() {
    return Stream.of(
        Arguments.of(ValidationRule.V21, json(r -> ((ArrayNode) ann(r, 0).get("segmentation")
            .get(0)).add(7))),
        Arguments.of(ValidationRule.V21, json(r -> ann(r, 1).putArray("segmentation").addArray()
            .add(1).add(1).add(2).add(2))),
        Arguments.of(ValidationRule.V21, json(r -> ann(r, 1).put("segmentation", "poly"))),
        Arguments.of(ValidationRule.V22, json(r -> rle(ann(r, 0), 12, 17, new int[] {204}))),
        Arguments.of(ValidationRule.V23, json(r -> rle(ann(r, 0), 12, 16, new int[] {100, 3}))),
        Arguments.of(ValidationRule.V23, json(r -> ann(r, 0).putObject("segmentation")
            .put("counts", "0"))),
        Arguments.of(ValidationRule.V24, json(r -> ann(r, 2).remove("segmentation"))));
  }

  private static void rle(ObjectNode annotation, int h, int w, int[] counts) {
    ObjectNode s = annotation.putObject("segmentation");
    s.putArray("size").add(h).add(w);
    ArrayNode c = s.putArray("counts");
    for (int v : counts) c.add(v);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("maskRules")
  void exactlyThisSegmentationRuleFiresWhenMasksAreRequested(ValidationRule rule, Fixture fixture)
      throws IOException {
    CocoDataset boxesOnly = build(fixture);
    assertThat(DatasetValidation.validate(boxesOnly, fixture.options()).findings()).isEmpty();
    ValidationReport report =
        DatasetValidation.validate(boxesOnly.withMasks(true), fixture.options());
    assertThat(report.findings()).extracting(ValidationFinding::rule).containsExactly(rule);
    assertThat(report.findings().get(0).count()).isEqualTo(1);
    assertThat(report.passes(false)).isFalse();
  }

  @Test
  void segmentationFindingsNameTheAnnotationAndField() throws IOException {
    CocoDataset dataset = build(json(r -> {
      ((ArrayNode) ann(r, 0).get("segmentation").get(0)).add(7);
      rle(ann(r, 1), 12, 17, new int[] {204});
    })).withMasks(true);
    ValidationReport report = DatasetValidation.validate(dataset, ValidationOptions.DEFAULT);
    assertThat(report.finding(ValidationRule.V21).orElseThrow().examples().get(0))
        .startsWith("annotations[0] (id 10): field 'segmentation[0]' has an odd number of"
            + " coordinates (7)");
    assertThat(report.finding(ValidationRule.V22).orElseThrow().examples())
        .containsExactly("11 (annotations[1]): field 'segmentation.size' [12, 17], image 1"
            + " [12, 16]");
  }

  @Test
  void aTargetWithABrokenSegmentationIsRefusedNamingFileIdAndField() throws IOException {
    CocoDataset dataset = build(json(r -> rle(ann(r, 2), 12, 17, new int[] {204})))
        .withMasks(true);
    assertThat(dataset.target(0, 16, 12).masks().count()).isEqualTo(2); // image 1 is fine
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> dataset.target(1, 16, 12))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("instances_train2017.json: annotations[2] (id 12): field"
            + " 'segmentation.size' RLE size [12, 17] differs from the image's [12, 16]");
  }

  @Test
  void fileFindingsNameTheReason() throws IOException {
    CocoDataset dataset = build(files(images -> {
      byte[] jpeg = Files.readAllBytes(images.resolve("1.jpg"));
      Files.write(images.resolve("1.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length - 40));
      Files.write(images.resolve("2.png"), HostileImages.pngBomb(100_000, 100_000));
      Files.delete(images.resolve("3.jpg"));
    }));
    ValidationReport report = DatasetValidation.validate(dataset, ValidationOptions.DEFAULT);
    assertThat(report.finding(ValidationRule.F3).orElseThrow().examples())
        .containsExactly("1 (1.jpg): truncated(WARNING_NO_EOI)");
    assertThat(report.finding(ValidationRule.F4).orElseThrow().examples())
        .containsExactly("2 (2.png): too_many_pixels(100000x100000)");
    assertThat(report.finding(ValidationRule.F1).orElseThrow().examples())
        .containsExactly("3 (3.jpg): missing");
  }

  @Test
  void countsAllButListsTheFirstTen() throws IOException {
    CocoDataset dataset = build(json(r -> {
      for (int i = 0; i < 25; i++) {
        ObjectNode o = r.withArray("annotations").addObject().put("id", 100 + i)
            .put("image_id", 1).put("category_id", 1).put("area", 1.0);
        o.putArray("bbox").add(2).add(2).add(-1).add(3);
      }
    }));
    ValidationFinding f = DatasetValidation.validate(dataset, ValidationOptions.DEFAULT)
        .finding(ValidationRule.V19).orElseThrow();
    assertThat(f.count()).isEqualTo(25);
    assertThat(f.examples()).hasSize(10).first().asString().startsWith("100:");
  }

  @Test
  void checkFailsOnErrorsAlwaysAndOnWarningsOnlyWhenStrict() throws IOException {
    CocoDataset warned = build(json(r -> ann(r, 0).put("iscrowd", 2)));
    assertThat(DatasetValidation.check(warned, ValidationOptions.DEFAULT).findings()).hasSize(1);
    assertThatThrownBy(() -> DatasetValidation.check(warned, ValidationOptions.DEFAULT.strictly(true)))
        .isInstanceOf(DatasetValidationException.class)
        .hasMessageContaining("V17 bad-iscrowd: 1");
    CocoDataset broken = build(json(r -> ann(r, 0).put("category_id", 7)));
    assertThatThrownBy(() -> DatasetValidation.check(broken, ValidationOptions.DEFAULT))
        .isInstanceOf(DatasetValidationException.class)
        .hasMessageContaining("ERROR V9 unknown-category: 1")
        .hasMessageContaining("10: category 7");
  }
}
