package jdetr.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;

/**
 * A text message a client sends on its stream to change its settings, e.g. {@code {"threshold":
 * 0.5}}. Parsed with hard limits on nesting depth, string length and number length, so a hostile
 * message costs bounded time and memory; anything else than a known field with a valid value is a
 * {@link BadControlMessageException}.
 *
 * @param threshold new score threshold in [0, 1]
 */
public record ControlMessage(double threshold) {

  /** Rejection of a control message; the message names the offending part. */
  public static final class BadControlMessageException extends Exception {
    public BadControlMessageException(String reason) {
      super(reason, null, false, false);
    }
  }

  /** Parses control messages under fixed limits. */
  public static final class Parser {
    private final ObjectMapper mapper;

    public Parser(int maxDepth, int maxStringLength, int maxNumberLength) {
      JsonFactory factory = JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder()
              .maxNestingDepth(maxDepth)
              .maxStringLength(maxStringLength)
              .maxNumberLength(maxNumberLength)
              .maxNameLength(maxStringLength)
              .build())
          .build();
      mapper = new ObjectMapper(factory);
    }

    public ControlMessage parse(String text) throws BadControlMessageException {
      JsonNode node;
      try {
        node = mapper.readTree(text);
      } catch (StreamConstraintsException e) {
        throw new BadControlMessageException("control message exceeds a limit: " + firstLine(e.getOriginalMessage()));
      } catch (IOException e) {
        throw new BadControlMessageException("control message is not valid JSON: " + firstLine(e.getMessage()));
      }
      if (node == null || !node.isObject()) {
        throw new BadControlMessageException("control message must be a JSON object like {\"threshold\": 0.5}");
      }
      Double threshold = null;
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        if (!field.getKey().equals("threshold")) {
          throw new BadControlMessageException("control message: unknown field '" + clip(field.getKey()) + "'");
        }
        JsonNode value = field.getValue();
        if (!value.isNumber() || !(value.asDouble() >= 0 && value.asDouble() <= 1)) {
          throw new BadControlMessageException("control message: threshold must be a number in [0, 1], got "
              + clip(value.toString()));
        }
        threshold = value.asDouble();
      }
      if (threshold == null) {
        throw new BadControlMessageException("control message: no field to set (known: threshold)");
      }
      return new ControlMessage(threshold);
    }

    private static String firstLine(String s) {
      if (s == null) {
        return "";
      }
      int nl = s.indexOf('\n');
      return clip(nl < 0 ? s : s.substring(0, nl));
    }

    private static String clip(String s) {
      return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
  }
}
