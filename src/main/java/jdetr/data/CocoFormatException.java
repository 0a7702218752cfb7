package jdetr.data;

import java.io.IOException;
import java.nio.file.Path;

/** A COCO annotations file that cannot be read at all: names the file, and the line and column. */
public final class CocoFormatException extends IOException {
  public CocoFormatException(Path file, long line, long column, String message) {
    super(file + ":" + line + ":" + column + ": " + message);
  }
}
