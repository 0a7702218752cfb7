package jdetr.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-worked cases of pycocotools' rules. */
class CocoEvaluatorTest {
  private static final List<CocoCategory> CATS =
      List.of(new CocoCategory(1, "cat"), new CocoCategory(2, "dog"), new CocoCategory(3, "bird"));

  private static CocoGroundTruth object(long id, long image, long cat, double x, double y, double w,
      double h, boolean crowd) {
    return CocoGroundTruth.of(id, image, cat, new double[] {x, y, w, h}, w * h, crowd);
  }

  private static CocoResult det(long image, long cat, double x, double y, double w, double h, double s) {
    return new CocoResult(image, cat, x, y, w, h, s);
  }

  private static CocoEvaluation eval(GroundTruthSet gt, List<CocoResult> dt) {
    return new CocoEvaluator(gt, CocoParams.bbox(), 1).evaluate(dt);
  }

  /** A regular object plus a crowd region; two detections on the crowd score highest. */
  private static GroundTruthSet crowdScene(boolean crowd) {
    return new GroundTruthSet(List.of(1L), CATS, List.of(
        object(1, 1, 1, 0, 0, 10, 10, false),
        object(2, 1, 1, 20, 0, 40, 40, crowd)));
  }

  private static List<CocoResult> crowdDetections() {
    return List.of(
        det(1, 1, 25, 5, 10, 10, 0.95), // inside the crowd: IoU = intersection / detection area = 1
        det(1, 1, 40, 20, 10, 10, 0.94), // inside the crowd too: a crowd takes any number
        det(1, 1, 0, 0, 10, 10, 0.9), // the regular object
        det(1, 1, 100, 100, 10, 10, 0.6)); // nothing
  }

  @Test
  void detectionsOnACrowdAreIgnored() {
    CocoEvaluation e = eval(crowdScene(true), crowdDetections());
    assertThat(e.stats()[0]).isCloseTo(1.0, within(1e-12));
    assertThat(e.stats()[8]).isCloseTo(1.0, within(1e-12));
    ScoreThresholdMetrics m = e.atScore(0.5);
    assertThat(m.truePositives()).isEqualTo(1);
    assertThat(m.falsePositives()).isEqualTo(1);
    assertThat(m.numGt()).isEqualTo(1);
    assertThat(m.precision()).isCloseTo(0.5, within(1e-12));
    assertThat(m.recall()).isCloseTo(1.0, within(1e-12));
    assertThat(e.atScore(0.92).falsePositives()).isZero();
    assertThat(e.atScore(0.92).truePositives()).isZero();
  }

  @Test
  void theSameRegionWithoutTheCrowdFlagCostsPrecision() {
    CocoEvaluation e = eval(crowdScene(false), crowdDetections());
    // both objects count now; the two top detections miss (IoU 1/16 and 1/16), then a hit
    assertThat(e.stats()[0]).isLessThan(1.0);
    assertThat(e.atScore(0.5).falsePositives()).isEqualTo(3);
  }

  @Test
  void onlyTheFirstHundredDetectionsOfAnImageCount() {
    GroundTruthSet gt = new GroundTruthSet(List.of(1L), CATS, List.of(object(1, 1, 1, 0, 0, 50, 50, false)));
    List<CocoResult> dt = new ArrayList<>();
    for (int i = 0; i < 99; i++) {
      dt.add(det(1, 1, 300, 300, 20, 20, 0.9));
    }
    dt.add(det(1, 1, 0, 0, 50, 50, 0.1)); // the 100th: counts
    assertThat(eval(gt, dt).stats()[8]).isCloseTo(1.0, within(1e-12));
    dt.add(0, det(1, 1, 300, 300, 20, 20, 0.95)); // now the hit is the 101st
    CocoEvaluation e = eval(gt, dt);
    assertThat(e.stats()[8]).isEqualTo(0.0);
    assertThat(e.stats()[0]).isEqualTo(0.0);
  }

  @Test
  void equalScoresKeepFileOrder() {
    // one object, two detections with equal scores: the first in the file is matched first
    GroundTruthSet gt = new GroundTruthSet(List.of(1L), CATS, List.of(object(1, 1, 1, 0, 0, 50, 50, false)));
    CocoEvaluation hitFirst = eval(gt, List.of(det(1, 1, 0, 0, 50, 50, 0.5), det(1, 1, 300, 300, 9, 9, 0.5)));
    CocoEvaluation missFirst = eval(gt, List.of(det(1, 1, 300, 300, 9, 9, 0.5), det(1, 1, 0, 0, 50, 50, 0.5)));
    assertThat(hitFirst.stats()[0]).isCloseTo(1.0, within(1e-12));
    assertThat(missFirst.stats()[0]).isCloseTo(0.5, within(1e-12)); // precision 1/2 at recall 1
    assertThat(hitFirst.stats()[6]).isCloseTo(1.0, within(1e-12)); // AR@1 sees the hit
    assertThat(missFirst.stats()[6]).isEqualTo(0.0);
  }

  @Test
  void categoriesWithoutObjectsAreLeftOutOfTheMeans() {
    GroundTruthSet gt = new GroundTruthSet(List.of(1L, 2L), CATS, List.of(
        object(1, 1, 1, 0, 0, 50, 50, false)));
    CocoEvaluation e = eval(gt, List.of(
        det(1, 1, 0, 0, 50, 50, 0.9),
        det(2, 2, 0, 0, 50, 50, 0.8), // category 2 has no object at all
        det(1, 7, 0, 0, 50, 50, 0.99))); // category 7 is unknown: dropped
    assertThat(e.stats()[0]).isCloseTo(1.0, within(1e-12));
    List<ClassAp> per = e.perClass();
    assertThat(per).extracting(ClassAp::name).containsExactly("cat", "dog", "bird");
    assertThat(per.get(0).ap()).isCloseTo(1.0, within(1e-12));
    assertThat(per.get(1).ap()).isEqualTo(-1.0);
    assertThat(per.get(2).ap()).isEqualTo(-1.0);
    assertThat(e.numResults()).isEqualTo(2);
    assertThat(e.atScore(0.5).falsePositives()).isEqualTo(1); // the dog counts as a false positive
  }

  @Test
  void undefinedEverywhereGivesMinusOne() {
    GroundTruthSet gt = new GroundTruthSet(List.of(1L), CATS, List.of());
    CocoEvaluation e = eval(gt, List.of(det(1, 1, 0, 0, 5, 5, 0.9)));
    assertThat(e.stats()).containsOnly(-1.0);
    assertThat(e.summaryLines().get(0)).endsWith("= -1.000");
  }

  @Test
  void noDetectionsGivesZero() {
    GroundTruthSet gt = new GroundTruthSet(List.of(1L), CATS, List.of(object(1, 1, 1, 0, 0, 50, 50, false)));
    double[] s = eval(gt, List.of()).stats();
    assertThat(s[0]).isEqualTo(0.0);
    assertThat(s[3]).isEqualTo(-1.0); // no small object
    assertThat(s[4]).isEqualTo(0.0); // 2500 px: medium
  }

  @Test
  void resultsOnImagesOutsideTheGroundTruthAreAnError() {
    GroundTruthSet gt = new GroundTruthSet(List.of(1L), CATS, List.of());
    assertThatThrownBy(() -> eval(gt, List.of(det(1, 1, 0, 0, 5, 5, 0.9), det(999, 1, 0, 0, 5, 5, 0.9))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("result 1")
        .hasMessageContaining("image_id 999");
  }

  @Test
  void duplicateAnnotationIdsAreAnError() {
    GroundTruthSet gt = new GroundTruthSet(List.of(1L), CATS, List.of(
        object(5, 1, 1, 0, 0, 5, 5, false), object(5, 1, 2, 0, 0, 5, 5, false)));
    assertThatThrownBy(() -> new CocoEvaluator(gt))
        .hasMessageContaining("annotation id 5 appears more than once");
  }

  @Test
  void theAreaFieldDecidesTheSizeRangeOfAnObject() {
    // a 40x40 box (1600 px, medium by its box) annotated with area 1000: small
    GroundTruthSet gt = new GroundTruthSet(List.of(1L), CATS, List.of(
        CocoGroundTruth.of(1, 1, 1, new double[] {0, 0, 40, 40}, 1000, false)));
    double[] s = eval(gt, List.of(det(1, 1, 0, 0, 40, 40, 0.9))).stats();
    assertThat(s[3]).isCloseTo(1.0, within(1e-12)); // small
    assertThat(s[4]).isEqualTo(-1.0); // medium: no object
  }

  @Test
  void modelDetectionsConvertLikeDetrDoes() {
    CocoResult r = CocoResult.of(42, new Detection(3, 0.75f, 0.1f, 0.2f, 0.7f, 0.9f));
    assertThat(r.w()).isEqualTo((double) (0.7f - 0.1f));
    assertThat(r.h()).isEqualTo((double) (0.9f - 0.2f));
    assertThat(r.x()).isEqualTo((double) 0.1f);
    assertThat(r.categoryId()).isEqualTo(3);
    assertThat(r.imageId()).isEqualTo(42);
  }

  @Test
  void evaluatingASubsetOfImagesLeavesTheOthersOut() {
    GroundTruthSet gt = new GroundTruthSet(List.of(1L, 2L), CATS, List.of(
        object(1, 1, 1, 0, 0, 50, 50, false), object(2, 2, 1, 0, 0, 50, 50, false)));
    List<CocoResult> dt = List.of(det(1, 1, 0, 0, 50, 50, 0.9));
    CocoEvaluator ev = new CocoEvaluator(gt, CocoParams.bbox(), 1);
    assertThat(ev.evaluate(dt).stats()[8]).isCloseTo(0.5, within(1e-12));
    assertThat(ev.evaluate(dt, new long[] {1}).stats()[8]).isCloseTo(1.0, within(1e-12));
  }
}
