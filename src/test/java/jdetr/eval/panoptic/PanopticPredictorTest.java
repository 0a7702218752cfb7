package jdetr.eval.panoptic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdetr.data.Batch;
import jdetr.data.Collate;
import jdetr.data.Example;
import jdetr.data.ImageDecoder;
import jdetr.data.PanopticAnnotationFile.Category;
import jdetr.data.PanopticPng;
import jdetr.data.PixelTarget;
import jdetr.data.RgbImage;
import jdetr.data.SynthConfig;
import jdetr.data.SyntheticPanoptic;
import jdetr.data.SyntheticShapes;
import jdetr.data.transforms.AugmentationConfig;
import jdetr.data.transforms.ValTransform;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.DetrOutput;
import jdetr.model.ModelBuilder;
import jdetr.model.ModelInput;
import jdetr.model.NoGrad;
import org.junit.jupiter.api.Test;

/** DETRsegm's outputs through PostProcessPanoptic, without the CLI. */
class PanopticPredictorTest {
  private static final ValTransform VAL = new ValTransform(AugmentationConfig.detrVal(64, 100));

  static RgbImage syntheticImage() {
    SynthConfig c = new SynthConfig(0, 1, 80, 3, 3, "jpg", 0, 0, 2, 4);
    return ImageDecoder.toRgb(SyntheticPanoptic.render(SyntheticShapes.scene(c, 1, 0)).image());
  }

  @Test
  void isThingMapFromCategoriesElseCocoForItsClassCountElseRefused() {
    Map<Integer, Boolean> m = PanopticPredictor.isThingMap(8,
        List.of(new Category(1, "ellipse", true), new Category(6, "sky", false)));
    assertThat(m).isEqualTo(Map.of(1, true, 6, false));
    assertThat(PanopticPredictor.isThingMap(250, List.of()))
        .isEqualTo(PostProcessPanoptic.cocoIsThingMap());
    assertThatThrownBy(() -> PanopticPredictor.isThingMap(8, List.of()))
        .hasMessageContaining("8 classes").hasMessageContaining("isthing");
    assertThatThrownBy(() -> PanopticPredictor.isThingMap(8, List.of(new Category(9, "x", true))))
        .hasMessageContaining("category 9 (x)").hasMessageContaining("0..7");
  }

  @Test
  void predictionIsPostProcessPanopticOfTheModelsOutputAtTheOriginalSize() {
    Engine.getInstance().setRandomSeed(11);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetectionTransformer model = PanopticFixture.peakedModel(m);
      Map<Integer, Boolean> isThing = new HashMap<>();
      for (int c = 0; c < SyntheticPanoptic.NUM_CLASSES; c++) {
        isThing.put(c, c < SyntheticPanoptic.SKY);
      }
      PostProcessPanoptic post = new PostProcessPanoptic(isThing, 0.85f);
      PanopticPredictor predictor = new PanopticPredictor(model, VAL, post);
      RgbImage image = syntheticImage();
      PostProcessPanoptic.Prediction p = predictor.predict(List.of(image)).get(0);

      PanopticPng png = p.png();
      assertThat(png.width()).isEqualTo(image.width());
      assertThat(png.height()).isEqualTo(image.height());
      assertThat(p.segmentsInfo()).isNotEmpty();
      Set<Integer> listed = new HashSet<>();
      for (PostProcessPanoptic.Segment s : p.segmentsInfo()) {
        long area = 0;
        for (int id : png.ids()) {
          area += id == s.id() ? 1 : 0;
        }
        assertThat(s.area()).as("segment %d", s.id()).isEqualTo(area).isGreaterThan(4);
        assertThat(s.isThing()).isEqualTo(s.categoryId() < SyntheticPanoptic.SKY);
        listed.add(s.id());
      }
      for (int id : png.ids()) {
        assertThat(listed).contains(id);
      }

      // the same by hand: the val transform, one forward pass, PostProcessPanoptic on its arrays
      int h = image.height(), w = image.width();
      Batch batch = Collate.of(List.of(VAL.apply(new Example(image, new PixelTarget(-1,
          new int[0], new float[0], new float[0], new boolean[0], h, w, h, w)))));
      try (NDManager scope = m.newSubManager(); NoGrad g = NoGrad.enter()) {
        ModelInput input = ModelInput.of(batch, scope);
        DetrOutput out = model.forward(input.images(), input.mask(), false);
        long[] ms = out.predMasks().getShape().getShape();
        PostProcessPanoptic.Prediction byHand = post.apply(out.predLogits().toFloatArray(),
            out.predMasks().toFloatArray(), 1, 8, SyntheticPanoptic.NUM_CLASSES + 1, (int) ms[2],
            (int) ms[3], new int[][] {{batch.imageHeights()[0], batch.imageWidths()[0]}},
            new int[][] {{h, w}}).get(0);
        assertThat(byHand.segmentsInfo()).isEqualTo(p.segmentsInfo());
        assertThat(byHand.png().ids()).isEqualTo(png.ids());
        assertThatThrownBy(() -> predictor.postProcess(new DetrOutput(out.logits(), out.boxes()),
            new int[][] {{h, w}}, new int[][] {{h, w}})).hasMessageContaining("no pred_masks");
      }
    }
  }

  @Test
  void refusesAModelWithoutMasks() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetectionTransformer boxes = ModelBuilder.build(DetrConfig.builder().backbone("resnet18")
          .hiddenDim(32).nheads(4).encLayers(1).decLayers(1).dimFeedforward(32).numQueries(2)
          .numClasses(3).build(), m);
      assertThatThrownBy(() -> new PanopticPredictor(boxes, VAL,
          new PostProcessPanoptic(Map.of(), 0.85f))).hasMessageContaining("mask head");
    }
  }

  @Test
  void painterBlendsEachSegmentAndLeavesTheRest() {
    BufferedImage grey = new BufferedImage(40, 30,
        BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 30; y++) {
      for (int x = 0; x < 40; x++) {
        grey.setRGB(x, y, 0x808080);
      }
    }
    int[] ids = new int[40 * 30];
    for (int y = 0; y < 30; y++) {
      for (int x = 0; x < 40; x++) {
        ids[y * 40 + x] = y < 10 ? 0 : x < 20 ? 3 : 7; // 0: no segment listed
      }
    }
    PanopticPng png = new PanopticPng(40, 30, ids);
    List<PostProcessPanoptic.Segment> segments = List.of(
        new PostProcessPanoptic.Segment(3, true, 1, 400), new PostProcessPanoptic.Segment(7, false, 6, 400));
    BufferedImage out = PanopticPainter.paint(grey, png, segments, c -> "");
    assertThat(out.getRGB(5, 2) & 0xffffff).isEqualTo(0x808080);
    int inside0 = out.getRGB(10, 20) & 0xffffff, inside1 = out.getRGB(30, 20) & 0xffffff;
    assertThat(inside0).isNotEqualTo(0x808080).isNotEqualTo(inside1);
    int c0 = PanopticPainter.colour(0);
    assertThat((inside0 >> 16) & 0xff).isEqualTo(Math.round(0x80 * 0.5f + ((c0 >> 16) & 0xff) * 0.5f));
    assertThat(out.getRGB(19, 20) & 0xffffff).isEqualTo(c0); // border in full colour
    assertThatThrownBy(() -> PanopticPainter.paint(new BufferedImage(4, 4,
        BufferedImage.TYPE_INT_RGB), png, segments, c -> ""))
        .hasMessageContaining("4x4").hasMessageContaining("40x30");
  }
}
