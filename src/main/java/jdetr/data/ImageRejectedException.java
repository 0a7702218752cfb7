package jdetr.data;

import java.io.IOException;

/**
 * An image refused before or during decoding, with a short machine-readable reason:
 * {@code missing}, {@code not_an_image}, {@code truncated(WARNING_NO_EOI)} (JPEG) or
 * {@code truncated(no IEND)} (PNG), {@code too_many_pixels(WxH)}, {@code file_too_large(N bytes)},
 * {@code unreadable(...)}, {@code corrupt(...)}. The message is the image's name (when it has
 * one; a streamed frame has none), the reason and, where there is one, a detail for people:
 * {@code too_many_pixels(60000x60000): the limit is 4194304 pixels}.
 */
public final class ImageRejectedException extends IOException {
  private final String image;
  private final String reason;

  public ImageRejectedException(String image, String reason) {
    this(image, reason, null);
  }

  public ImageRejectedException(String image, String reason, String detail) {
    super((image == null ? "" : image + ": ") + reason + (detail == null ? "" : ": " + detail));
    this.image = image;
    this.reason = reason;
  }

  /** The file name, or null for an image that came as bytes without a name (a frame). */
  public String image() {
    return image;
  }

  public String reason() {
    return reason;
  }

  /** A refusal, not a fault: no stack trace (hostile frames may arrive by the thousand). */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
