package jdetr.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BatchCodecTest {
  private static Sample sample(SplittableRandom r, long id, int h, int w, int objects) {
    float[] px = new float[3 * h * w];
    for (int i = 0; i < px.length; i++) px[i] = (float) r.nextGaussian();
    int[] labels = new int[objects];
    float[] boxes = new float[4 * objects], area = new float[objects];
    boolean[] crowd = new boolean[objects];
    for (int k = 0; k < objects; k++) {
      labels[k] = r.nextInt(91);
      for (int j = 0; j < 4; j++) boxes[4 * k + j] = (float) r.nextDouble();
      area[k] = (float) r.nextDouble(1, 1e5);
      crowd[k] = r.nextBoolean();
    }
    return new Sample(h, w, px, new Target(id, labels, boxes, area, crowd, 480, 640, h, w));
  }

  @Test
  void collatePadsBottomRightWithZerosAndMasksThePadding() {
    SplittableRandom r = new SplittableRandom(1);
    Sample a = sample(r, 1, 5, 7, 2), b = sample(r, 2, 6, 4, 0);
    Batch batch = Collate.of(List.of(a, b));
    assertThat(batch.height()).isEqualTo(6);
    assertThat(batch.width()).isEqualTo(7);
    for (int y = 0; y < 6; y++) {
      for (int x = 0; x < 7; x++) {
        assertThat(batch.padded(0, y, x)).isEqualTo(y >= 5);
        assertThat(batch.padded(1, y, x)).isEqualTo(x >= 4);
        for (int c = 0; c < 3; c++) {
          assertThat(batch.at(0, c, y, x)).isEqualTo(y < 5 ? a.pixels()[(c * 5 + y) * 7 + x] : 0f);
          assertThat(batch.at(1, c, y, x)).isEqualTo(x < 4 ? b.pixels()[(c * 6 + y) * 4 + x] : 0f);
        }
      }
    }
    assertThat(batch.targets()).containsExactly(a.target(), b.target());
  }

  @Test
  void encodedBatchDecodesBackExactly() {
    SplittableRandom r = new SplittableRandom(7);
    Batch batch = Collate.of(List.of(sample(r, 11, 33, 50, 3), sample(r, 900100581904L, 41, 29, 0),
        sample(r, 13, 12, 64, 17)));
    byte[] message = BatchCodec.encode(batch);
    int pixels = 3 * (33 * 50 + 41 * 29 + 12 * 64);
    assertThat(message.length).isEqualTo(20 + 3 * 36 + 25 * 20 + 4 * pixels);
    Batch back = BatchCodec.decode(message);
    assertThat(back.size()).isEqualTo(3);
    assertThat(back.height()).isEqualTo(41);
    assertThat(back.width()).isEqualTo(64);
    assertThat(back.imageHeights()).containsExactly(batch.imageHeights());
    assertThat(back.imageWidths()).containsExactly(batch.imageWidths());
    assertThat(Arrays.equals(back.pixels(), batch.pixels())).isTrue();
    assertThat(Arrays.equals(back.mask(), batch.mask())).isTrue();
    for (int i = 0; i < 3; i++) {
      Target e = batch.targets().get(i), g = back.targets().get(i);
      assertThat(g.imageId()).isEqualTo(e.imageId());
      assertThat(g.labels()).containsExactly(e.labels());
      assertThat(g.boxes()).containsExactly(e.boxes());
      assertThat(g.area()).containsExactly(e.area());
      assertThat(g.iscrowd()).containsExactly(e.iscrowd());
      assertThat(new int[] {g.origHeight(), g.origWidth(), g.height(), g.width()})
          .containsExactly(e.origHeight(), e.origWidth(), e.height(), e.width());
    }
    assertThat(BatchCodec.encode(back)).isEqualTo(message);
  }

  /** A sample whose objects carry random blob masks (a few runs per column). */
  private static Sample withMasks(SplittableRandom r, long id, int h, int w, int objects) {
    Sample s = sample(r, id, h, w, objects);
    byte[] px = new byte[objects * h * w];
    for (int k = 0; k < objects; k++) {
      int y0 = r.nextInt(h), y1 = r.nextInt(y0, h + 1), x0 = r.nextInt(w), x1 = r.nextInt(x0, w + 1);
      for (int y = y0; y < y1; y++) {
        for (int x = x0; x < x1; x++) px[(k * h + y) * w + x] = (byte) (r.nextInt(9) == 0 ? 0 : 1);
      }
    }
    Target t = s.target();
    return new Sample(h, w, s.pixels(), new Target(t.imageId(), t.labels(), t.boxes(), t.area(),
        t.iscrowd(), t.origHeight(), t.origWidth(), h, w, new InstanceMasks(objects, h, w, px)));
  }

  @Test
  void masksTravelAsRunLengthsAndDecodeBackExactly() {
    SplittableRandom r = new SplittableRandom(19);
    Batch batch = Collate.of(List.of(withMasks(r, 1, 33, 50, 3), withMasks(r, 2, 41, 29, 0),
        withMasks(r, 3, 12, 64, 5)));
    byte[] message = BatchCodec.encode(batch);
    int pixels = 3 * (33 * 50 + 41 * 29 + 12 * 64);
    long maskBytes = message.length - (20 + 3 * 36 + 25 * 8 + 4L * pixels);
    assertThat(maskBytes).as("RLE bytes, not one per pixel").isPositive()
        .isLessThan((3L * 33 * 50 + 5L * 12 * 64) / 2);
    Batch back = BatchCodec.decode(message);
    for (int i = 0; i < 3; i++) {
      assertThat(back.targets().get(i).masks()).isEqualTo(batch.targets().get(i).masks());
      assertThat(back.paddedMasks(i)).isEqualTo(batch.paddedMasks(i));
    }
    assertThat(BatchCodec.encode(back)).isEqualTo(message);
  }

  @Test
  void paddedMasksArePaddedWithZerosToTheBatchSize() {
    SplittableRandom r = new SplittableRandom(5);
    Sample a = withMasks(r, 1, 5, 7, 2), b = withMasks(r, 2, 6, 4, 1);
    Batch batch = Collate.of(List.of(a, b));
    InstanceMasks padded = batch.paddedMasks(1);
    assertThat(new int[] {padded.count(), padded.height(), padded.width()})
        .containsExactly(1, 6, 7);
    for (int y = 0; y < 6; y++) {
      for (int x = 0; x < 7; x++) {
        assertThat(padded.pixels()[y * 7 + x]).isEqualTo(
            x < 4 ? b.target().masks().pixels()[y * 4 + x] : (byte) 0);
      }
    }
    assertThat(Collate.of(List.of(sample(r, 3, 4, 4, 1))).paddedMasks(0)).isNull();
  }

  @Test
  void aBatchWithMasksOnSomeTargetsOnlyOrBrokenRunsIsRefused() {
    SplittableRandom r = new SplittableRandom(8);
    assertThatThrownBy(() -> BatchCodec.encode(Collate.of(List.of(withMasks(r, 1, 8, 8, 1),
        sample(r, 2, 8, 8, 1))))).hasMessageContaining("1 of 2 targets carry masks");
    byte[] message = BatchCodec.encode(Collate.of(List.of(withMasks(r, 1, 8, 8, 2))));
    int runs = 20 + 36 + 25 * 2; // where the first mask's run count is
    byte[] broken = message.clone();
    broken[runs + 1] = (byte) 0x7f; // the first count no longer sums to 64
    assertThatThrownBy(() -> BatchCodec.decode(broken)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed batch message");
  }

  @Test
  void malformedMessagesAreRefusedWithAReason() {
    SplittableRandom r = new SplittableRandom(3);
    byte[] message = BatchCodec.encode(Collate.of(List.of(sample(r, 1, 8, 8, 2))));
    assertThatThrownBy(() -> BatchCodec.decode(Arrays.copyOf(message, message.length - 4)))
        .hasMessageContaining("malformed batch message");
    byte[] trailing = Arrays.copyOf(message, message.length + 8);
    assertThatThrownBy(() -> BatchCodec.decode(trailing)).hasMessageContaining("message has");
    byte[] bad = message.clone();
    bad[0] = 'X';
    assertThatThrownBy(() -> BatchCodec.decode(bad)).hasMessageContaining("bad magic");
    byte[] huge = message.clone();
    java.nio.ByteBuffer.wrap(huge).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(12, 1 << 20)
        .putInt(16, 1 << 20);
    assertThatThrownBy(() -> BatchCodec.decode(huge)).hasMessageContaining("exceeds the limits");
    byte[] lying = message.clone();
    java.nio.ByteBuffer.wrap(lying).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(12, 9);
    assertThatThrownBy(() -> BatchCodec.decode(lying)).hasMessageContaining("not the largest image size");
  }
}
