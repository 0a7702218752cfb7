package jdetr.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import jdetr.engine.DeviceSpec;
import org.junit.jupiter.api.Test;

/** The recipe key {@code device}: default, overrides, the stored recipe, bad values. */
class TrainConfigDeviceTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void cpuByDefaultAndAsTheRecipeOrSetSays() throws Exception {
    ObjectNode recipe = (ObjectNode) JSON.readTree("{\"epochs\": 1}");
    assertThat(TrainConfig.resolve(recipe, List.of(), "r").device()).isEqualTo(DeviceSpec.CPU);
    ObjectNode onGpu = (ObjectNode) JSON.readTree("{\"device\": \"cuda:1\"}");
    TrainConfig c = TrainConfig.resolve(onGpu, List.of(), "r");
    assertThat(c.device()).isEqualTo(new DeviceSpec("cuda", 1));
    assertThat(TrainConfig.resolve(onGpu, List.of("device=cpu"), "r").device()).isEqualTo(DeviceSpec.CPU);
    // stored in state.json and read back by the eval stage
    assertThat(TrainConfig.fromStored(c.toJson().toString()).device()).isEqualTo(new DeviceSpec("cuda", 1));
    // a recipe stored before the key existed is read as cpu
    ObjectNode old = c.toJson();
    old.remove("device");
    assertThat(TrainConfig.fromStored(old.toString()).device()).isEqualTo(DeviceSpec.CPU);
  }

  @Test
  void aBadDeviceNamesTheRecipeKey() throws Exception {
    ObjectNode recipe = (ObjectNode) JSON.readTree("{\"device\": \"gpu0\"}");
    assertThatThrownBy(() -> TrainConfig.resolve(recipe, List.of(), "r"))
        .hasMessageStartingWith("recipe device: unknown device 'gpu0'");
    assertThatThrownBy(() -> TrainConfig.resolve(JSON.createObjectNode(), List.of("device=3"), "r"))
        .hasMessageContaining("unknown device '3'");
  }
}
