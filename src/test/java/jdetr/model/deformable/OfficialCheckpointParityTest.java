package jdetr.model.deformable;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import jdetr.checkpoint.DetrWeights;
import jdetr.checkpoint.Safetensors;
import jdetr.model.DetrConfig;
import jdetr.model.DetrOutput;
import jdetr.model.NoGrad;
import jdetr.model.ParityFixture;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Full-size Deformable DETR R50 checkpoints in the reference's own format (model, optimizer with
 * three groups, lr_scheduler, epoch, argparse args), written by generate_deformable_fixtures.py
 * --official-pth: read by the safe .pth reader, architecture inferred, outputs on one 480x640
 * image within 1e-4 of the reference. Heavy (2 x 160 MB): runs only with
 * -Djdetr.parity.ddetr.pth=DIR.
 */
@EnabledIfSystemProperty(named = "jdetr.parity.ddetr.pth", matches = ".+")
class OfficialCheckpointParityTest {

  @ParameterizedTest
  @ValueSource(strings = {"r50_deformable_detr", "r50_deformable_detr_plus_plus"})
  void officialFormatCheckpointLoadsAndMatches(String name) throws IOException {
    Path dir = Path.of(System.getProperty("jdetr.parity.ddetr.pth"));
    try (NDManager m = NDManager.newBaseManager("PyTorch"); NoGrad g = NoGrad.enter()) {
      DetrWeights.Loaded loaded =
          DetrWeights.load(dir.resolve(name + ".pth"), DetrConfig.defaults(), m);
      DetrConfig config = loaded.detr().config();
      assertThat(config.isDeformable()).isTrue();
      assertThat(config.numQueries()).isEqualTo(300);
      assertThat(config.deformable().twoStage()).isEqualTo(name.endsWith("plus_plus"));
      assertThat(loaded.categories()).hasSize(80);
      Map<String, NDArray> ref = Safetensors.read(dir.resolve(name + ".safetensors"), m).tensors();
      DetrOutput out = loaded.detr().forward(ref.get("images"), ref.get("mask"), false);
      ParityFixture.assertClose(name + " logits", out.logits(), ref.get("logits"), 1e-4);
      ParityFixture.assertClose(name + " boxes", out.boxes(), ref.get("boxes"), 1e-4);
    }
  }
}
