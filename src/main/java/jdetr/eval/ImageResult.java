package jdetr.eval;

/**
 * The evaluation of one (image, category) pair: pycocotools' {@code evalImgs} entry, for every area
 * range at once.
 */
final class ImageResult {
  static final byte MATCHED = 1; // dtMatches != 0
  static final byte IGNORED = 2; // dtIgnore

  /** Detections kept (at most maxDets[-1]), highest score first. */
  final int numDets;
  /** [numDets] scores, descending. */
  final double[] scores;
  /** [numDets, A, T] MATCHED | IGNORED bits: the settings of one detection are contiguous. */
  final byte[] flags;
  /** [A] ground-truth objects not ignored in each area range. */
  final int[] numNotIgnored;

  ImageResult(int numDets, double[] scores, byte[] flags, int[] numNotIgnored) {
    this.numDets = numDets;
    this.scores = scores;
    this.flags = flags;
    this.numNotIgnored = numNotIgnored;
  }
}
