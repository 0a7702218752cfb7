package jdetr.io;

import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The limits every JSON the program reads is held to: annotations, results, recipes, configs,
 * checkpoint metadata and messages. No COCO file comes near them; a hostile one is refused at the
 * first value over a limit, with the file, line, column and JSON path named, before it costs
 * memory or a deep recursion.
 */
public final class JsonLimits {
  /** Objects and arrays inside each other (a COCO polygon is 4 deep). */
  public static final int MAX_DEPTH = 64;
  /** Characters of one string (a compressed RLE of a 4k image is a few hundred kB). */
  public static final int MAX_STRING = 16 << 20;
  /** Digits of one number. */
  public static final int MAX_NUMBER = 100;
  /** Characters of one field name. */
  public static final int MAX_NAME = 1_000;

  public static final StreamReadConstraints CONSTRAINTS = StreamReadConstraints.builder()
      .maxNestingDepth(MAX_DEPTH).maxStringLength(MAX_STRING).maxNumberLength(MAX_NUMBER)
      .maxNameLength(MAX_NAME).build();

  private static final ObjectMapper MAPPER = new ObjectMapper(factoryBuilder().build());

  private JsonLimits() {}

  /**
   * Makes these the limits of every Jackson factory created from now on in this JVM (Vert.x's
   * JSON and the event bus's included); the command line calls it first thing.
   */
  public static void installAsDefault() {
    StreamReadConstraints.overrideDefaultStreamReadConstraints(CONSTRAINTS);
    // Vert.x builds its one parser factory from these, when it first parses JSON
    System.setProperty("vertx.jackson.defaultReadMaxNestingDepth", Integer.toString(MAX_DEPTH));
    System.setProperty("vertx.jackson.defaultReadMaxStringLength", Integer.toString(MAX_STRING));
    System.setProperty("vertx.jackson.defaultReadMaxNumberLength", Integer.toString(MAX_NUMBER));
    System.setProperty("vertx.jackson.defaultReadMaxNameLength", Integer.toString(MAX_NAME));
  }

  /** A factory builder with these limits, for readers that set more features. */
  public static JsonFactoryBuilder factoryBuilder() {
    return new JsonFactoryBuilder().streamReadConstraints(CONSTRAINTS);
  }

  /** Reads a whole JSON file into a tree, under the limits. */
  public static JsonNode readTree(Path file) throws IOException {
    try (JsonParser p = MAPPER.createParser(file.toFile())) {
      try {
        return MAPPER.readTree(p);
      } catch (StreamConstraintsException e) {
        throw new IOException(file + ": " + refusal(p, e), e);
      }
    }
  }

  /** Where and why: {@code "line 3, column 17, at /images/0/id: …"}. */
  public static String refusal(JsonParser p, StreamConstraintsException e) {
    JsonLocation at = p.currentLocation();
    String pointer = p.getParsingContext().pathAsPointer().toString();
    return "line " + at.getLineNr() + ", column " + at.getColumnNr() + ", at "
        + (pointer.isEmpty() ? "/" : pointer) + ": over the JSON limits (depth " + MAX_DEPTH
        + ", strings " + MAX_STRING + ", numbers " + MAX_NUMBER + " digits): "
        + e.getOriginalMessage().lines().findFirst().orElse("");
  }
}
