package jdetr.eval;

/** A COCO annotation or results file that cannot be evaluated; the message names file, field and id. */
public final class CocoFormatException extends RuntimeException {
  public CocoFormatException(String message) {
    super(message);
  }

  public CocoFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
