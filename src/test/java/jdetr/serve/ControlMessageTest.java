package jdetr.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jdetr.serve.ControlMessage.BadControlMessageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ControlMessageTest {

  private final ControlMessage.Parser parser = new ControlMessage.Parser(32, 1000, 64);

  @Test
  void setsTheThreshold() throws Exception {
    assertThat(parser.parse("{\"threshold\": 0.25}").threshold()).isEqualTo(0.25);
    assertThat(parser.parse("{\"threshold\":1}").threshold()).isEqualTo(1.0);
  }

  @Test
  void deepNestingIsRefusedWithoutRecursionTrouble() {
    String deep = "[".repeat(10_000) + "]".repeat(10_000);
    assertThatThrownBy(() -> parser.parse(deep)).isInstanceOf(BadControlMessageException.class)
        .hasMessageContaining("exceeds a limit").hasMessageContaining("nesting depth");
    String deepObject = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);
    assertThatThrownBy(() -> parser.parse(deepObject)).hasMessageContaining("nesting depth");
  }

  @Test
  void longStringsAndNumbersAreRefused() {
    String longString = "{\"threshold\":\"" + "x".repeat(2_000_000) + "\"}";
    assertThatThrownBy(() -> parser.parse(longString)).isInstanceOf(BadControlMessageException.class)
        .hasMessageContaining("exceeds a limit").hasMessageContaining("String value length");
    String longNumber = "{\"threshold\":0." + "1".repeat(1000) + "}";
    assertThatThrownBy(() -> parser.parse(longNumber)).hasMessageContaining("Number value length");
    String longName = "{\"" + "k".repeat(5000) + "\":1}";
    assertThatThrownBy(() -> parser.parse(longName)).hasMessageContaining("exceeds a limit");
  }

  @Test
  void anythingButAKnownFieldWithAValidValueIsRefused() {
    assertThatThrownBy(() -> parser.parse("not json")).hasMessageStartingWith("control message is not valid JSON");
    assertThatThrownBy(() -> parser.parse("[0.5]")).hasMessageContaining("must be a JSON object");
    assertThatThrownBy(() -> parser.parse("{}")).hasMessageContaining("no field to set");
    assertThatThrownBy(() -> parser.parse("{\"thresh\":0.5}")).hasMessage("control message: unknown field 'thresh'");
    assertThatThrownBy(() -> parser.parse("{\"threshold\":1.5}")).hasMessageContaining("in [0, 1], got 1.5");
    assertThatThrownBy(() -> parser.parse("{\"threshold\":\"0.5\"}")).hasMessageContaining("got \"0.5\"");
    assertThatThrownBy(() -> parser.parse("{\"threshold\":NaN}")).isInstanceOf(BadControlMessageException.class);
  }
}
