package jdetr.data;

/**
 * What {@code jdetr synth} generates.
 *
 * @param train number of train images
 * @param val number of val images
 * @param size longest image side (the other side varies from 60% to 100% of it)
 * @param seed everything drawn depends on it (and on the split and image index) only
 * @param classes number of shape classes, 1..{@value ShapeKind#COUNT} (category ids 1..classes)
 * @param format "jpg" or "png"
 * @param width fixed image width instead of {@code size} (0: varied)
 * @param height fixed image height (0: varied)
 * @param minObjects fewest objects per image
 * @param maxObjects most objects per image
 */
public record SynthConfig(
    int train,
    int val,
    int size,
    long seed,
    int classes,
    String format,
    int width,
    int height,
    int minObjects,
    int maxObjects) {

  public static final SynthConfig DEFAULT = new SynthConfig(200, 50, 256, 42, 3, "jpg", 0, 0, 1, 6);

  public SynthConfig {
    if (train < 0 || val < 0) throw new IllegalArgumentException("image counts must be >= 0");
    if (classes < 1 || classes > ShapeKind.COUNT) {
      throw new IllegalArgumentException("classes must be 1.." + ShapeKind.COUNT + ", got " + classes);
    }
    if (!format.equals("jpg") && !format.equals("png")) {
      throw new IllegalArgumentException("format must be jpg or png, got " + format);
    }
    if ((width > 0) != (height > 0)) {
      throw new IllegalArgumentException("give both width and height, or neither");
    }
    int shortest = width > 0 ? Math.min(width, height) : (int) (0.6 * size);
    if (shortest < 16) throw new IllegalArgumentException("images must be at least 16 pixels a side");
    if (minObjects < 1 || maxObjects < minObjects || maxObjects > 50) {
      throw new IllegalArgumentException("objects per image: 1 <= min <= max <= 50");
    }
  }
}
