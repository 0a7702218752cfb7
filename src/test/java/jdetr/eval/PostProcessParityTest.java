package jdetr.eval;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import jdetr.loss.ClassLoss;
import jdetr.loss.CriterionFixture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PostProcess on the reference's recorded last-layer outputs equals the reference PostProcess. */
class PostProcessParityTest {

  @ParameterizedTest
  @ValueSource(strings = {"detr_ce", "detr_ce_empty", "ddetr_focal"})
  void detectionsEqualTheReference(String name) {
    CriterionFixture f = CriterionFixture.load(name);
    int last = f.layers - 1;
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray logits = f.logits(m, last);
      NDArray boxes = f.boxes(m, last);
      PostProcess.Result r = new PostProcess(f.classLoss).apply(logits, boxes, f.origHeights, f.origWidths);
      int expectedPerImage = f.classLoss == ClassLoss.SIGMOID_FOCAL ? 100 : f.queries;
      assertThat(r.perImage()).isEqualTo(expectedPerImage);
      List<List<Detection>> detections = r.detections();
      assertThat(detections).hasSize(f.batch);

      double maxScore = 0;
      double maxBox = 0;
      for (int i = 0; i < f.batch; i++) {
        List<Detection> image = detections.get(i);
        float[] scores = f.ppScores.get(i);
        int[] labels = f.ppLabels.get(i);
        float[] refBoxes = f.ppBoxes.get(i);
        assertThat(image).hasSize(scores.length);
        for (int j = 0; j < scores.length; j++) {
          Detection d = image.get(j);
          assertThat(d.label()).as("%s image %d detection %d label", name, i, j).isEqualTo(labels[j]);
          maxScore = Math.max(maxScore, Math.abs(d.score() - scores[j]));
          float[] ours = {d.x0(), d.y0(), d.x1(), d.y1()};
          for (int c = 0; c < 4; c++) {
            maxBox = Math.max(maxBox, Math.abs(ours[c] - refBoxes[4 * j + c])); // pixels
          }
        }
      }
      System.out.printf(
          "parity postprocess %s: max |score diff| %.3g, max |box diff| %.3g px%n",
          name, maxScore, maxBox);
      assertThat(maxScore).isLessThanOrEqualTo(1e-5);
      assertThat(maxBox).isLessThanOrEqualTo(1e-5);
    }
  }
}
