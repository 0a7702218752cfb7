package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Checkpoints written by torch.save (torch 1.13) read back exactly, in both formats. */
class TorchCheckpointReaderTest {
  private static NDManager manager;

  @BeforeAll
  static void engine() {
    manager = NDManager.newBaseManager("PyTorch");
  }

  @AfterAll
  static void release() {
    manager.close();
  }

  @ParameterizedTest
  @CsvSource({"state_zip.pth, ZIP", "state_zip_p4.pth, ZIP", "state_legacy.pth, LEGACY"})
  void readsEveryDtypeViewAndValueExactly(String file, TorchCheckpoint.Format format)
      throws Exception {
    JsonNode expected = PthFixtures.json("valid/state_expected.json");
    try (TorchCheckpoint ckpt = new TorchCheckpointReader().open(PthFixtures.path("valid/" + file));
        NDManager scope = manager.newSubManager()) {
      assertThat(ckpt.format()).isEqualTo(format);
      assertThat(ckpt.keys()).containsExactlyElementsOf(strings(expected.get("top_level_keys")));
      Map<String, Object> top = ckpt.topLevel();
      assertThat(top.get("epoch")).isEqualTo(7L);
      assertThat(top.get("neg")).isEqualTo(-3L);
      assertThat(top.get("big")).isEqualTo(new BigInteger(expected.get("big").asText()));
      assertThat(top.get("name")).isEqualTo(expected.get("name").asText());

      Map<?, ?> nested = (Map<?, ?>) top.get("nested");
      @SuppressWarnings("unchecked")
      List<Object> b = (List<Object>) ((Map<?, ?>) nested.get("a")).get("b");
      assertThat(b).containsExactly(1L, 2.5, "x", null, true, new PickledTuple(List.of(3L, 4L)));
      PickledTensor inside = (PickledTensor) nested.get("tensor_inside");
      assertExact(ckpt.load(inside, scope), expected.get("tensor_inside"), "tensor_inside");
      PickledTensor param = (PickledTensor) top.get("param");
      assertThat(param.requiresGrad()).isTrue();
      assertThat(inside.requiresGrad()).isFalse();
      assertExact(ckpt.load(param, scope), expected.get("param"), "param");

      JsonNode tensors = expected.get("tensors");
      Map<String, NDArray> loaded = ckpt.loadStateDict(scope);
      assertThat(loaded.keySet()).containsExactlyElementsOf(names(tensors));
      for (Map.Entry<String, NDArray> e : loaded.entrySet()) {
        JsonNode t = tensors.get(e.getKey());
        assertThat(ckpt.stateDict().get(e.getKey()).storage().type().torchDtype())
            .as(e.getKey()).isEqualTo(t.get("dtype").asText());
        assertExact(e.getValue(), t, e.getKey());
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"state_zip.pth", "state_legacy.pth"})
  void keepsViewsOfOneStorageApart(String file) throws Exception {
    try (TorchCheckpoint ckpt = new TorchCheckpointReader().open(PthFixtures.path("valid/" + file))) {
      Map<String, PickledTensor> sd = ckpt.stateDict();
      PickledTensor rows = sd.get("shared.rows");
      PickledTensor cols = sd.get("shared.cols");
      assertThat(rows.storage()).isSameAs(cols.storage());
      assertThat(rows.storage().numel()).isEqualTo(24);
      assertThat(rows.storageOffset()).isEqualTo(6);
      assertThat(cols.stride()).containsExactly(6, 2);
      assertThat(cols.isContiguous()).isFalse();
      assertThat(sd.get("proj.weight_t").stride()).containsExactly(1, 5);
      assertThat(sd.get("expanded").stride()).containsExactly(1, 0);
      assertThat(sd.get("backbone.conv.weight").isContiguous()).isTrue();
    }
  }

  @ParameterizedTest
  @CsvSource({"train_zip.pth, ZIP", "train_legacy.pth, LEGACY"})
  void readsDetrTrainingCheckpointWithoutRunningItsNamespace(
      String file, TorchCheckpoint.Format format) throws Exception {
    JsonNode expected = PthFixtures.json("valid/train_expected.json");
    try (TorchCheckpoint ckpt = new TorchCheckpointReader().open(PthFixtures.path("valid/" + file));
        NDManager scope = manager.newSubManager()) {
      assertThat(ckpt.format()).isEqualTo(format);
      assertThat(ckpt.keys()).containsExactly("model", "optimizer", "lr_scheduler", "epoch", "args");
      assertThat(ckpt.topLevel().get("epoch")).isEqualTo(4L);

      PickledObject args = (PickledObject) ckpt.topLevel().get("args");
      assertThat(args.type()).isEqualTo("argparse.Namespace");
      assertThat(args.attributes()).hasSize(expected.get("args_count").asInt());
      Iterator<Map.Entry<String, JsonNode>> fields = expected.get("args").fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        assertThat(args.attributes().get(f.getKey())).as(f.getKey()).isEqualTo(plain(f.getValue()));
      }

      Map<?, ?> optimizer = (Map<?, ?>) ckpt.topLevel().get("optimizer");
      Map<?, ?> state = (Map<?, ?>) optimizer.get("state");
      PickledTensor expAvg = (PickledTensor) ((Map<?, ?>) state.get(0L)).get("exp_avg");
      assertThat(ckpt.load(expAvg, scope).getShape().getShape()).containsExactly(2, 3);
      Map<?, ?> scheduler = (Map<?, ?>) ckpt.topLevel().get("lr_scheduler");
      assertThat(scheduler.get("step_size")).isEqualTo(200L);

      JsonNode tensors = expected.get("tensors");
      Map<String, NDArray> model = ckpt.loadStateDict(scope);
      assertThat(model.keySet()).containsExactlyElementsOf(names(tensors));
      model.forEach((name, array) -> assertExact(array, tensors.get(name), name));
      assertThat(model.get("1.num_batches_tracked").getDataType()).isEqualTo(DataType.INT64);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"control.pth", "legacy_control.pth"})
  void handBuiltControlsLoad(String file) throws Exception {
    try (NDManager scope = manager.newSubManager()) {
      Map<String, NDArray> sd =
          TorchCheckpointReader.readStateDict(PthFixtures.path("hostile/" + file), scope);
      assertThat(sd.get("w").toFloatArray()).containsExactly(1f, -2f, 0.5f, 3.25f);
    }
  }

  @Test
  void halfConversionCoversSubnormalsAndSpecials() {
    assertThat(TensorMaterializer.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
    assertThat(TensorMaterializer.halfToFloat((short) 0x03ff)).isEqualTo(1023 * 0x1p-24f);
    assertThat(TensorMaterializer.halfToFloat((short) 0x3c00)).isEqualTo(1f);
    assertThat(TensorMaterializer.halfToFloat((short) 0xc000)).isEqualTo(-2f);
    assertThat(TensorMaterializer.halfToFloat((short) 0x7bff)).isEqualTo(65504f);
    assertThat(TensorMaterializer.halfToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(TensorMaterializer.halfToFloat((short) 0x7e00)).isNaN();
    assertThat(Float.floatToRawIntBits(TensorMaterializer.halfToFloat((short) 0x8000)))
        .isEqualTo(0x80000000);
  }

  private static void assertExact(NDArray array, JsonNode expected, String name) {
    assertThat(array.getShape().getShape()).as(name + " shape")
        .containsExactly(PthFixtures.shape(expected));
    String dtype = expected.get("dtype").asText();
    DataType wanted = switch (dtype) {
      case "float32", "float16", "bfloat16", "float64" -> DataType.FLOAT32;
      case "int64" -> DataType.INT64;
      case "int32", "int16" -> DataType.INT32;
      case "int8" -> DataType.INT8;
      case "uint8" -> DataType.UINT8;
      case "bool" -> DataType.BOOLEAN;
      default -> throw new AssertionError(dtype);
    };
    assertThat(array.getDataType()).as(name + " dtype").isEqualTo(wanted);
    assertThat(PthFixtures.exactValues(array)).as(name + " values")
        .containsExactly(PthFixtures.expectedValues(expected));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static List<String> names(JsonNode object) {
    List<String> out = new ArrayList<>();
    object.fieldNames().forEachRemaining(out::add);
    return out;
  }

  private static Object plain(JsonNode n) {
    if (n.isNull()) {
      return null;
    }
    if (n.isBoolean()) {
      return n.asBoolean();
    }
    if (n.isIntegralNumber()) {
      return n.asLong();
    }
    if (n.isNumber()) {
      return n.asDouble();
    }
    return n.asText();
  }
}
