package jdetr.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A COCO annotations or results file that cannot be read or evaluated. The message names the file
 * and where: the line and column of broken JSON, or the entry, its id and the field.
 */
public class CocoFormatException extends IOException {
  public CocoFormatException(Path file, long line, long column, String message) {
    super(file + ":" + line + ":" + column + ": " + message);
  }

  public CocoFormatException(String message) {
    super(message);
  }

  public CocoFormatException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The parser's current value as a message names it: {@code an array}, {@code an object},
   * {@code the string "x"}, {@code null}, a number's text, or {@code end of file}.
   */
  public static String describe(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == null) {
      return "end of file";
    }
    return switch (t) {
      case START_ARRAY -> "an array";
      case START_OBJECT -> "an object";
      case VALUE_STRING -> "the string \"" + p.getText() + "\"";
      case VALUE_NULL -> "null";
      default -> p.getText();
    };
  }
}
