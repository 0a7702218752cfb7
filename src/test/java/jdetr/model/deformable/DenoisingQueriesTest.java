package jdetr.model.deformable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import jdetr.data.Target;
import jdetr.model.Denoising;
import org.junit.jupiter.api.Test;

/** The denoising queries: jitter bounds, label flips, padding slots and the attention mask. */
class DenoisingQueriesTest {

  private static final Denoising TWO_GROUPS = new Denoising(2, 0.2, 0.4);
  private static final Denoising CONTRASTIVE = new Denoising(2, 0.2, 0.4, true);

  private static final List<Target> TARGETS = List.of(
      Target.of(new int[] {3, 1}, new float[] {0.5f, 0.5f, 0.2f, 0.4f, 0.1f, 0.9f, 0.2f, 0.2f}),
      Target.of(new int[] {2}, new float[] {0.3f, 0.6f, 0.1f, 0.1f}));

  private static float[] filled(int queries, float... perQuery) {
    float[] u = new float[queries * DenoisingQueries.UNIFORMS_PER_QUERY];
    for (int i = 0; i < u.length; i++) {
      u[i] = perQuery[i % DenoisingQueries.UNIFORMS_PER_QUERY];
    }
    return u;
  }

  private static float[] randomUniforms(long seed, int queries) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] u = new float[queries * DenoisingQueries.UNIFORMS_PER_QUERY];
    for (int i = 0; i < u.length; i++) {
      u[i] = (float) r.nextDouble();
    }
    return u;
  }

  @Test
  void middleUniformsKeepBoxesAndLabelsAndPaddingFillsTheShortImage() {
    // u = 0.5: no shift; 0.9 > 0.2: no label flip
    DenoisingQueries q = DenoisingQueries.draw(TARGETS, TWO_GROUPS, 5,
        filled(2 * 2 * 2, 0.5f, 0.5f, 0.5f, 0.5f, 0.9f, 0f));
    assertThat(q.slots()).isEqualTo(2);
    assertThat(q.perImage()).isEqualTo(4);
    // image 0: group 0 = targets 0, 1; group 1 = targets 0, 1
    assertThat(Arrays.copyOfRange(q.labels(), 0, 4)).containsExactly(3, 1, 3, 1);
    // image 1: one target and one padding slot per group
    assertThat(Arrays.copyOfRange(q.labels(), 4, 8)).containsExactly(2, -1, 2, -1);
    assertThat(Arrays.copyOfRange(q.boxes(), 0, 8)).containsExactly(TARGETS.get(0).boxes());
    assertThat(Arrays.copyOfRange(q.boxes(), 24, 28)).containsExactly(0.3f, 0.6f, 0.1f, 0.1f);
    assertThat(Arrays.copyOfRange(q.boxes(), 20, 24)).containsExactly(0.5f, 0.5f, 0.5f, 0.5f);
  }

  @Test
  void extremeUniformsShiftByTheScaledSizeClampAndFlipLabels() {
    // u = 0: centre - 0.4 w/2, size - 0.4 w; flip (0 < 0.2) to class floor(0.99 * 5) = 4
    DenoisingQueries low = DenoisingQueries.draw(TARGETS.subList(0, 1), new Denoising(1, 0.2, 0.4),
        5, filled(2, 0f, 0f, 0f, 0f, 0f, 0.99f));
    assertThat(low.labels()).containsExactly(4, 4);
    float[] b = low.boxes();
    assertThat(b[0]).isCloseTo(0.5f - 0.4f * 0.1f, within(1e-6f));
    assertThat(b[1]).isCloseTo(0.5f - 0.4f * 0.2f, within(1e-6f));
    assertThat(b[2]).isCloseTo(0.2f - 0.4f * 0.2f, within(1e-6f));
    assertThat(b[3]).isCloseTo(0.4f - 0.4f * 0.4f, within(1e-6f));
    // u -> 1: + the same amounts; the second box's centre y 0.9 + 0.04 stays below 1, a larger
    // scale clamps it to 1
    DenoisingQueries high = DenoisingQueries.draw(TARGETS.subList(0, 1), new Denoising(1, 0, 2),
        5, filled(2, 1f, 1f, 1f, 1f, 0f, 0f));
    assertThat(high.labels()).as("label_noise 0 never flips").containsExactly(3, 1);
    assertThat(high.boxes()[5]).isEqualTo(1f);
    assertThat(high.boxes()[2]).isCloseTo(0.2f + 2 * 0.2f, within(1e-6f));
  }

  @Test
  void randomDrawsStayInsideTheirBoundsAndFlipAtTheGivenRate() {
    int images = 200;
    Target t = Target.of(new int[] {1}, new float[] {0.4f, 0.6f, 0.3f, 0.2f});
    List<Target> targets = java.util.Collections.nCopies(images, t);
    Denoising options = new Denoising(5, 0.2, 0.4);
    float[] u = randomUniforms(7, images * 5);
    DenoisingQueries q = DenoisingQueries.draw(targets, options, 3, u);
    int flipped = 0;
    for (int i = 0; i < images * 5; i++) {
      float[] box = Arrays.copyOfRange(q.boxes(), 4 * i, 4 * i + 4);
      assertThat(Math.abs(box[0] - 0.4f)).isLessThanOrEqualTo(0.4f * 0.15f + 1e-6f);
      assertThat(Math.abs(box[1] - 0.6f)).isLessThanOrEqualTo(0.4f * 0.1f + 1e-6f);
      assertThat(Math.abs(box[2] - 0.3f)).isLessThanOrEqualTo(0.4f * 0.3f + 1e-6f);
      assertThat(Math.abs(box[3] - 0.2f)).isLessThanOrEqualTo(0.4f * 0.2f + 1e-6f);
      assertThat(q.labels()[i]).isBetween(0, 2);
      flipped += u[i * DenoisingQueries.UNIFORMS_PER_QUERY + 4] < 0.2 ? 1 : 0;
    }
    // a flipped label lands on the true class a third of the time
    long changed = Arrays.stream(q.labels()).filter(l -> l != 1).count();
    assertThat(flipped).isBetween(150, 250);
    assertThat((double) changed).isCloseTo(flipped * 2 / 3.0, within(0.25 * flipped));
  }

  @Test
  void matchingQueriesSeeNoDenoisingQueryAndGroupsDoNotSeeEachOther() {
    DenoisingQueries q = DenoisingQueries.draw(TARGETS, TWO_GROUPS, 5,
        filled(8, 0.5f, 0.5f, 0.5f, 0.5f, 0.9f, 0f));
    int matching = 3;
    int n = matching + 4;
    boolean[] blocked = q.blocked(matching);
    assertThat(blocked).hasSize(n * n);
    StringBuilder picture = new StringBuilder();
    for (int row = 0; row < n; row++) {
      for (int col = 0; col < n; col++) {
        picture.append(blocked[row * n + col] ? 'x' : '.');
      }
      picture.append('\n');
    }
    assertThat(picture.toString()).isEqualTo("""
        ...xxxx
        ...xxxx
        ...xxxx
        .....xx
        .....xx
        ...xx..
        ...xx..
        """);
    float[] bias = q.selfAttentionBias(matching);
    for (int i = 0; i < bias.length; i++) {
      assertThat(bias[i]).isEqualTo(blocked[i] ? Float.NEGATIVE_INFINITY : 0f);
    }
    // image 1's slots: label 2, padding, label 2, padding
    assertThat(Arrays.copyOfRange(q.oneHotLabels(5), 20, 40)).containsExactly(
        0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0);
  }

  @Test
  void imagesSliceKeepsEachImagesQueriesAndWrongUniformCountIsRefused() {
    DenoisingQueries q = DenoisingQueries.draw(TARGETS, TWO_GROUPS, 5,
        filled(8, 0.5f, 0.5f, 0.5f, 0.5f, 0.9f, 0f));
    DenoisingQueries second = q.images(1, 2);
    assertThat(second.images()).isEqualTo(1);
    assertThat(second.labels()).containsExactly(2, -1, 2, -1);
    assertThat(second.boxes()).containsExactly(Arrays.copyOfRange(q.boxes(), 16, 32));
    assertThatThrownBy(() -> DenoisingQueries.draw(TARGETS, TWO_GROUPS, 5, new float[10]))
        .hasMessageContaining("10 uniform numbers for 8 denoising queries");
  }

  @Test
  void contrastiveGroupsHoldEachTargetAsAPositiveThenANegativeQuery() {
    // 2 images, 2 groups of 2 N = 4 slots (N = 2); u = 0.75: r = +0.5 for a positive, +1.5 for a
    // negative on every corner
    DenoisingQueries q = DenoisingQueries.draw(TARGETS, CONTRASTIVE, 5,
        filled(2 * 2 * 4, 0.75f, 0.75f, 0.75f, 0.75f, 0.9f, 0f));
    assertThat(q.slots()).isEqualTo(4);
    assertThat(q.perImage()).isEqualTo(8);
    assertThat(DenoisingQueries.slots(TARGETS, CONTRASTIVE)).isEqualTo(4);
    // image 0, per group: positives of targets 0, 1, then negatives of targets 0, 1
    assertThat(Arrays.copyOfRange(q.labels(), 0, 8)).containsExactly(3, 1, 3, 1, 3, 1, 3, 1);
    // image 1: target 0 and a padding slot, twice per group
    assertThat(Arrays.copyOfRange(q.labels(), 8, 16))
        .containsExactly(2, -1, 2, -1, 2, -1, 2, -1);
    // target 0 of image 0: xyxy 0.4 0.3 0.6 0.7, half size 0.1 x 0.2, scale 0.4;
    // positive: every corner + 0.5 * half * 0.4; negative: + 1.5 * half * 0.4
    float[] positive = Arrays.copyOfRange(q.boxes(), 0, 4);
    float[] negative = Arrays.copyOfRange(q.boxes(), 8, 12);
    float[] pos = {0.4f + 0.02f, 0.3f + 0.04f, 0.6f + 0.02f, 0.7f + 0.04f};
    float[] neg = {0.4f + 0.06f, 0.3f + 0.12f, 0.6f + 0.06f, 0.7f + 0.12f};
    assertThat(positive).usingComparatorWithPrecision(1e-6f).containsExactly(
        (pos[0] + pos[2]) / 2, (pos[1] + pos[3]) / 2, pos[2] - pos[0], pos[3] - pos[1]);
    assertThat(negative).usingComparatorWithPrecision(1e-6f).containsExactly(
        (neg[0] + neg[2]) / 2, (neg[1] + neg[3]) / 2, neg[2] - neg[0], neg[3] - neg[1]);
    assertThat(Arrays.copyOfRange(q.boxes(), 4 * 9, 4 * 10)).as("padding")
        .containsExactly(0.5f, 0.5f, 0.5f, 0.5f);
  }

  @Test
  void contrastiveNegativesLieBetweenOneAndTwoNoiseScalesAwayPositivesWithinOne() {
    int images = 300;
    Target t = Target.of(new int[] {1}, new float[] {0.5f, 0.5f, 0.2f, 0.3f});
    float[] corners = {0.4f, 0.35f, 0.6f, 0.65f};
    float[] reach = {0.1f * 0.4f, 0.15f * 0.4f}; // half size x scale
    List<Target> targets = java.util.Collections.nCopies(images, t);
    Denoising options = new Denoising(3, 0.2, 0.4, true);
    DenoisingQueries q = DenoisingQueries.draw(targets, options, 3,
        randomUniforms(11, images * 3 * 2));
    for (int i = 0; i < images * 3 * 2; i++) {
      boolean negative = i % 2 == 1; // slots per group: positive, negative (one target)
      float[] b = Arrays.copyOfRange(q.boxes(), 4 * i, 4 * i + 4);
      float[] xyxy = {b[0] - b[2] / 2, b[1] - b[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2};
      for (int c = 0; c < 4; c++) {
        float moved = Math.abs(xyxy[c] - corners[c]) / reach[c % 2];
        if (negative) {
          assertThat(moved).as("negative %d corner %d", i, c).isBetween(1f - 1e-4f, 2f + 1e-4f);
        } else {
          assertThat(moved).as("positive %d corner %d", i, c).isLessThanOrEqualTo(1f + 1e-4f);
        }
      }
    }
  }
}
