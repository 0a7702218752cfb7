package jdetr.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Our parameter and buffer names, their order, shapes and trainability equal the reference
 * state_dict of the same configuration (state_dict_keys.json, generate_state_dict_keys.py).
 */
class StateDictNamesTest {

  @Test
  void namesShapesAndTrainabilityEqualTheReference() throws IOException {
    ObjectMapper json = new ObjectMapper();
    JsonNode all = json.readTree(ParityFixture.DIR.resolve("state_dict_keys.json").toFile());
    assertThat(all.size()).isEqualTo(4);
    for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      DetrConfig config = json.treeToValue(e.getValue().get("config"), DetrConfig.class);
      List<String> expected = new ArrayList<>();
      for (JsonNode k : e.getValue().get("keys")) {
        expected.add(k.get(0).asText() + " " + k.get(1) + " trainable=" + k.get(2).asBoolean());
      }
      List<String> actual = new ArrayList<>();
      for (Map.Entry<String, Parameter> p : new Detr(config).namedParameters().entrySet()) {
        actual.add(p.getKey() + " " + json.valueToTree(p.getValue().getShape().getShape())
            + " trainable=" + p.getValue().requiresGradient());
      }
      assertThat(actual).as(e.getKey()).containsExactlyElementsOf(expected);
    }
  }
}
