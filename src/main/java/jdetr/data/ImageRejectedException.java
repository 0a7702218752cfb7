package jdetr.data;

import java.io.IOException;

/**
 * An image refused before or during decoding, with a short machine-readable reason:
 * {@code missing}, {@code not_an_image}, {@code truncated(WARNING_NO_EOI)},
 * {@code too_many_pixels(WxH)}, {@code file_too_large(N bytes)}, {@code unreadable(...)},
 * {@code corrupt(...)}.
 */
public final class ImageRejectedException extends IOException {
  private final String image;
  private final String reason;

  public ImageRejectedException(String image, String reason) {
    super(image + ": " + reason);
    this.image = image;
    this.reason = reason;
  }

  /** The file or frame name. */
  public String image() {
    return image;
  }

  public String reason() {
    return reason;
  }
}
