package jdetr.bus;

/** A binary message that cannot be decoded; the message names the codec and the field. */
public final class WireFormatException extends RuntimeException {
  public WireFormatException(String message) {
    super(message);
  }
}
