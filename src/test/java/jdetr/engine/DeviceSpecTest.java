package jdetr.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import jdetr.model.Detr;
import jdetr.model.DetrConfig;
import jdetr.model.DetrOutput;
import jdetr.model.NoGrad;
import org.junit.jupiter.api.Test;

class DeviceSpecTest {

  private static final EngineInfo CPU_ONLY = new EngineInfo("PyTorch", "2.7.1", "cpu",
      "/cache/pytorch/2.7.1-20250812-cpu-linux-x86_64", 0, List.of("cpu"), List.of("MKLDNN"), "none");
  private static final EngineInfo ONE_GPU = new EngineInfo("PyTorch", "2.7.1", "cu128", "/opt/libtorch/lib",
      1, List.of("cpu", "cuda:0"), List.of("CUDA", "CUDNN"), "none");

  @Test
  void parsesCpuCudaAndCudaN() {
    assertThat(DeviceSpec.parse("cpu", "--device")).isEqualTo(DeviceSpec.CPU);
    assertThat(DeviceSpec.parse("cuda", "--device")).isEqualTo(new DeviceSpec("cuda", 0));
    assertThat(DeviceSpec.parse(" cuda:3 ", "--device")).isEqualTo(new DeviceSpec("cuda", 3));
    assertThat(DeviceSpec.parse("cuda:3", "x").toString()).isEqualTo("cuda:3");
    assertThat(DeviceSpec.parse("cuda:1", "x").djl()).isEqualTo(Device.gpu(1));
    assertThat(DeviceSpec.CPU.djl()).isEqualTo(Device.cpu());
  }

  @Test
  void refusesEverythingElseNamingTheSource() {
    for (String bad : new String[] {"gpu", "CUDA", "cuda:", "cuda:x", "cuda:-1", "cpu:0", "", "mps"}) {
      assertThatThrownBy(() -> DeviceSpec.parse(bad, "recipe device"))
          .as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("recipe device: unknown device '" + bad + "'")
          .hasMessageContaining("cpu, cuda or cuda:N");
    }
  }

  @Test
  void cudaOnACpuOnlyEngineSaysWhatIsLoadedAndHowToLoadCuda() {
    DeviceSpec.CPU.requireOn(CPU_ONLY); // always there
    assertThatThrownBy(() -> DeviceSpec.parse("cuda", "--device").requireOn(CPU_ONLY))
        .hasMessageContaining("device cuda:0")
        .hasMessageContaining("flavour cpu")
        .hasMessageContaining("PYTORCH_LIBRARY_PATH=")
        .hasMessageContaining("PYTORCH_FLAVOR=cu128")
        .hasMessageContaining("PYTORCH_VERSION=2.7.1")
        .hasMessageContaining(LibtorchSelection.ALLOW_DOWNLOAD + "=1");
  }

  @Test
  void aCudaOrdinalTheEngineDoesNotHaveIsRefused() {
    new DeviceSpec("cuda", 0).requireOn(ONE_GPU);
    assertThatThrownBy(() -> new DeviceSpec("cuda", 1).requireOn(ONE_GPU))
        .hasMessageContaining("device cuda:1")
        .hasMessageContaining("sees 1 CUDA device(s): cuda:0");
  }

  /** The engine loaded here (the bundled CPU libtorch) has no GPU: cuda is refused before any array. */
  @Test
  void theLoadedCpuEngineRefusesCuda() {
    EngineInfo here = EngineInfo.loaded();
    assertThat(here.gpuCount()).isZero();
    assertThat(here.devices()).containsExactly("cpu");
    assertThat(here.flavour()).isEqualTo("cpu");
    assertThat(here.version()).isEqualTo("2.7.1");
    assertThatThrownBy(() -> DeviceSpec.parse("cuda:0", "--device").newManager())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the loaded libtorch is libtorch 2.7.1, flavour cpu");
  }

  /** An explicit cpu device is the default one: the same model and outputs, bit for bit. */
  @Test
  void cpuDeviceGivesBitIdenticalResultsToTheDefaultManager() {
    DetrConfig config = DetrConfig.builder().backbone("resnet18").hiddenDim(32).nheads(4).encLayers(1)
        .decLayers(2).dimFeedforward(64).numQueries(5).numClasses(4).build();
    float[][] viaDefault = run(config, () -> NDManager.newBaseManager("PyTorch"));
    float[][] viaSpec = run(config, DeviceSpec.parse("cpu", "--device")::newManager);
    assertThat(viaSpec[0]).containsExactly(viaDefault[0]);
    assertThat(viaSpec[1]).containsExactly(viaDefault[1]);
  }

  private static float[][] run(DetrConfig config, java.util.function.Supplier<NDManager> managers) {
    try (NDManager m = managers.get(); NoGrad g = NoGrad.enter()) {
      assertThat(m.getDevice()).isEqualTo(Device.cpu());
      Engine.getInstance().setRandomSeed(3);
      Detr detr = Detr.create(config, m);
      NDArray images = m.randomNormal(new Shape(1, 3, 64, 96));
      DetrOutput out = detr.forward(images, m.zeros(new Shape(1, 64, 96), DataType.BOOLEAN), false);
      return new float[][] {out.logits().toFloatArray(), out.boxes().toFloatArray()};
    }
  }
}
