package jdetr.mask;

/**
 * The compressed form of COCO RLE counts (maskApi's {@code rleToString} / {@code rleFrString}):
 * like LEB128 with 5 value bits and a continuation bit per character, characters {@code '0'}
 * (48) to {@code 'o'} (111); from the fourth count on, each count is stored as its difference to
 * the count two places before.
 */
public final class RleString {
  private RleString() {}

  /** maskApi's {@code rleToString}. */
  public static String encode(Rle rle) {
    StringBuilder s = new StringBuilder(rle.numCounts() * 2);
    for (int i = 0; i < rle.numCounts(); i++) {
      long x = Integer.toUnsignedLong(rle.count(i));
      if (i > 2) {
        x -= Integer.toUnsignedLong(rle.count(i - 2));
      }
      boolean more = true;
      while (more) {
        int c = (int) (x & 0x1f);
        x >>= 5;
        more = (c & 0x10) != 0 ? x != -1 : x != 0;
        if (more) {
          c |= 0x20;
        }
        s.append((char) (c + 48));
      }
    }
    return s.toString();
  }

  /**
   * maskApi's {@code rleFrString}, checked: every character lies in {@code '0'..'o'}, the last
   * count is complete, and the counts are non-negative and sum to {@code h * w}.
   *
   * @throws IllegalArgumentException naming the problem
   */
  public static Rle decode(String s, int h, int w) {
    Rle.checkSize(h, w);
    int[] cnts = new int[s.length()];
    int m = 0;
    int p = 0;
    while (p < s.length()) {
      long x = 0;
      int k = 0;
      boolean more = true;
      while (more) {
        if (p >= s.length()) {
          throw new IllegalArgumentException("compressed counts end in the middle of a count");
        }
        char ch = s.charAt(p);
        if (ch < 48 || ch > 111) {
          throw new IllegalArgumentException("compressed counts contain '" + ch + "' at " + p
              + " (only characters '0' to 'o' are allowed)");
        }
        int c = ch - 48;
        // int shifts, as in C: the shift count wraps at 32 just as x86 does
        x |= (c & 0x1f) << (5 * k);
        more = (c & 0x20) != 0;
        p++;
        k++;
        if (!more && (c & 0x10) != 0) {
          x |= -1 << (5 * k);
        }
      }
      if (m > 2) {
        x += Integer.toUnsignedLong(cnts[m - 2]);
      }
      if (x < 0 || x > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("compressed counts decode to an invalid count " + x
            + " at run " + m);
      }
      cnts[m++] = (int) x;
    }
    return Rle.of(h, w, java.util.Arrays.copyOf(cnts, m));
  }
}
