package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import jdetr.checkpoint.DetrWeights;
import jdetr.model.DetrConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * `jdetr export --format hf|official` and `jdetr import --weights DIR` on the small official
 * checkpoint the reference wrote (parity/finetune/detr_r18_tiny.pth): .pth -> transformers ->
 * reference names, every tensor byte-equal to the .pth's.
 */
class ExportCommandTest {
  private static final String PTH = "src/test/resources/parity/finetune/detr_r18_tiny.pth";
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void anOfficialCheckpointGoesToTheTransformersLayoutAndBack(@TempDir Path dir) throws IOException {
    Path hf = dir.resolve("hf");
    Path back = dir.resolve("back");
    assertThat(run("export", "--format", "hf", "--weights", PTH, "--nheads", "4", "--out", hf.toString()))
        .as(err.toString()).isEqualTo(0);
    assertThat(out.toString()).contains("wrote " + hf + " (transformers layout, detr resnet18, 91 classes)");
    assertThat(hf.resolve("config.json")).exists();
    assertThat(hf.resolve("model.safetensors")).exists();
    assertThat(Files.readString(hf.resolve("config.json"))).contains("\"encoder_attention_heads\" : 4")
        .contains("\"1\" : \"person\"").contains("\"0\" : \"N/A\"");

    assertThat(run("export", "--format", "official", "--weights", hf.toString(), "--out", back.toString()))
        .as(err.toString()).isEqualTo(0);
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        DetrWeights pth = DetrWeights.read(Path.of(PTH), DetrConfig.defaults().toBuilder().nheads(4).build(), m);
        DetrWeights again = DetrWeights.read(back, DetrConfig.defaults(), m)) {
      assertThat(again.format()).isEqualTo(DetrWeights.Format.JDETR);
      assertThat(again.config()).isEqualTo(pth.config());
      assertThat(again.categories()).isEqualTo(pth.categories());
      assertThat(again.tensors().keySet()).isEqualTo(pth.tensors().keySet());
      pth.tensors().forEach((k, v) -> assertThat(v.contentEquals(again.tensors().get(k))).as(k).isTrue());
    }

    out.getBuffer().setLength(0);
    assertThat(run("import", "--weights", hf.toString())).as(err.toString()).isEqualTo(0);
    assertThat(out.toString()).contains(hf + ": transformers weights")
        .contains("categories: 80 named of 91 classes").contains("they load strictly into the model");
    out.getBuffer().setLength(0);
    assertThat(run("import", "--weights", hf.toString(), "--list")).isEqualTo(0);
    assertThat(out.toString()).containsPattern("transformer\\.encoder\\.layers\\.0\\.self_attn\\.in_proj_weight +float32 +\\[96, 32\\]");
  }

  @Test
  void mixedFormatsAndBadWeightsAreRefusedByName(@TempDir Path dir) throws IOException {
    Path own = dir.resolve("own");
    assertThat(run("export", "--format", "official", "--weights", PTH, "--nheads", "4", "--out", own.toString()))
        .as(err.toString()).isEqualTo(0);
    assertThat(run("export", "--format", "hf", "--weights", PTH, "--nheads", "4", "--out", own.toString()))
        .isEqualTo(1);
    assertThat(err.toString()).contains("--out " + own + " holds model.json");
    err.getBuffer().setLength(0);
    Path bogus = Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"detr\", \"d_model\": \"wide\"}");
    assertThat(run("export", "--format", "official", "--weights", dir.toString(), "--out", dir.resolve("x").toString()))
        .isEqualTo(1);
    assertThat(err.toString()).contains(bogus.toString()).contains("d_model: must be an integer");
  }
}
