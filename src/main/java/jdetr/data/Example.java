package jdetr.data;

/** A decoded image with its target, before the transforms (the reference's {@code (img, target)}). */
public record Example(RgbImage image, PixelTarget target) {}
