package jdetr.serve;

/** A frame that is not a complete, acceptable JPEG or PNG; the message says why. */
public final class ImageRejectedException extends Exception {
  public ImageRejectedException(String reason) {
    super(reason, null, false, false);
  }
}
