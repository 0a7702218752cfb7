package jdetr.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RleTest {
  @Test
  void countsRunDownTheColumnsStartingWithZeros() {
    // row-major [2, 3]: 1 0 0 / 1 1 0; column-major pixels: 1 1 | 0 1 | 0 0
    byte[] mask = {1, 0, 0, 1, 1, 0};
    Rle rle = Rle.encode(mask, 2, 3);
    assertThat(rle.counts()).containsExactly(0, 2, 1, 1, 2);
    assertThat(rle.decode()).containsExactly(mask);
    assertThat(rle.area()).isEqualTo(3);
    assertThat(rle.toBbox()).containsExactly(0, 0, 2, 2);
    assertThat(Rle.encode(new byte[6], 2, 3).toBbox()).containsExactly(0, 0, 0, 0);
  }

  @Test
  void inconsistentCountsAreRefused() {
    assertThatThrownBy(() -> Rle.of(2, 3, new int[] {1, 2})).hasMessageContaining("sum to 3")
        .hasMessageContaining("6 pixels");
    assertThatThrownBy(() -> Rle.of(2, 3, new int[] {7, -1})).hasMessageContaining("negative");
    assertThatThrownBy(() -> Rle.of(70_000, 70_000, new int[] {0}))
        .hasMessageContaining("not supported");
  }

  @Test
  void mergeOfMasksOfDifferentSizesIsEmptyAsInMaskApi() {
    Rle a = Rle.of(2, 3, new int[] {1, 5});
    Rle b = Rle.of(3, 2, new int[] {1, 5});
    Rle merged = Rle.merge(List.of(a, b), false);
    assertThat(merged.height()).isZero();
    assertThat(merged.numCounts()).isZero();
    assertThat(Rle.merge(List.of(a, Rle.of(2, 3, new int[] {0, 1, 5})), false).counts())
        .containsExactly(0, 6);
  }

  @Test
  void absurdPolygonsAreRefusedAndRepeatedPointsConvertAsOnX86() {
    assertThatThrownBy(() -> PolygonRasterizer.rasterize(new double[] {0, 0, 1e9, 0, 0, 1}, 4, 4))
        .hasMessageContaining("too large");
    assertThat(PolygonRasterizer.cToInt(Double.NaN)).isEqualTo(Integer.MIN_VALUE);
    assertThat(PolygonRasterizer.cToInt(3e9)).isEqualTo(Integer.MIN_VALUE);
    assertThat(PolygonRasterizer.cToInt(-2.7)).isEqualTo(-2);
    Rle point = PolygonRasterizer.rasterize(new double[] {1, 1, 1, 1, 1, 1}, 4, 4);
    assertThat(point.area()).isZero();
  }
}
