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
    SplittableRandom r = new SplittableRandom(7);
    int images = 200;
    Target t = Target.of(new int[] {1}, new float[] {0.4f, 0.6f, 0.3f, 0.2f});
    List<Target> targets = java.util.Collections.nCopies(images, t);
    Denoising options = new Denoising(5, 0.2, 0.4);
    float[] u = new float[images * 5 * DenoisingQueries.UNIFORMS_PER_QUERY];
    for (int i = 0; i < u.length; i++) {
      u[i] = (float) r.nextDouble();
    }
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
}
