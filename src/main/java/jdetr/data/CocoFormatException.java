package jdetr.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A COCO annotations or results file that cannot be read or evaluated. The message names the file
 * and where: the line and column of broken JSON, or the entry, its id and the field.
 */
public final class CocoFormatException extends IOException {
  public CocoFormatException(Path file, long line, long column, String message) {
    super(file + ":" + line + ":" + column + ": " + message);
  }

  public CocoFormatException(String message) {
    super(message);
  }

  public CocoFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
