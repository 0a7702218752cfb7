package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.ThreadingModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import jdetr.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StageDescriptorsTest {
  static final String MATCHER = """
      {"name": "matcher", "verticle": "jdetr.verticles.MatcherVerticle", "threadingModel": "WORKER",
       "instances": 2, "workerPool": {"name": "jdetr-matcher", "size": 2},
       "roles": ["train", "matcher"], "config": {"solver": "jdetr.matcher.HungarianMatchSolver"}}
      """;

  @Test
  void parsesADescriptor() {
    StageDescriptor d = StageDescriptors.parse("30-matcher.json", MATCHER);
    assertThat(d.name()).isEqualTo("matcher");
    assertThat(d.threadingModel()).isEqualTo(ThreadingModel.WORKER);
    assertThat(d.instances()).isEqualTo(2);
    assertThat(d.belongsTo("matcher")).isTrue();
    assertThat(d.belongsTo("data")).isFalse();
    assertThat(d.deploymentOptions().getWorkerPoolName()).isEqualTo("jdetr-matcher");
    assertThat(d.deploymentOptions().getWorkerPoolSize()).isEqualTo(2);
    assertThat(d.deploymentOptions().getConfig().getString("solver")).endsWith("HungarianMatchSolver");
  }

  @Test
  void badDescriptorsNameTheFileAndField() {
    String base = "{\"name\":\"x\",\"verticle\":\"a.B\",\"roles\":[\"data\"]";
    assertThatThrownBy(() -> StageDescriptors.parse("10-data.json", base + ",\"instanses\":2}"))
        .hasMessageStartingWith("10-data.json: unknown field 'instanses'");
    assertThatThrownBy(() -> StageDescriptors.parse("10-data.json", base + ",\"threadingModel\":\"POOL\"}"))
        .hasMessage("10-data.json: field threadingModel is 'POOL', expected EVENT_LOOP or WORKER");
    assertThatThrownBy(() -> StageDescriptors.parse("10-data.json", base + ",\"threadingModel\":\"VIRTUAL_THREAD\"}"))
        .hasMessageContaining("VIRTUAL_THREAD is not allowed");
    assertThatThrownBy(() -> StageDescriptors.parse("10-data.json", base + ",\"instances\":0}"))
        .hasMessage("10-data.json: field instances must be at least 1, got 0");
    assertThatThrownBy(() -> StageDescriptors.parse("10-data.json", base + ",\"workerPool\":{\"name\":\"p\",\"size\":2}}"))
        .hasMessage("10-data.json: field workerPool needs threadingModel WORKER");
    assertThatThrownBy(() -> StageDescriptors.parse("10-data.json",
        "{\"name\":\"x\",\"verticle\":\"a.B\",\"roles\":[\"dta\"]}"))
        .hasMessageStartingWith("10-data.json: field roles has unknown role 'dta'");
    assertThatThrownBy(() -> StageDescriptors.parse("10-data.json", "{\"name\":\"x\",\"roles\":[\"data\"]}"))
        .hasMessage("10-data.json: field verticle must be a non-empty string");
    assertThatThrownBy(() -> StageDescriptors.parse("10-data.json", "[1,2]"))
        .hasMessageStartingWith("10-data.json: not a JSON object");
  }

  @Test
  void loadsInFileOrderAndSelectsByRole(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("30-matcher.json"), MATCHER);
    Files.writeString(dir.resolve("10-data.json"),
        "{\"name\":\"data\",\"verticle\":\"a.Data\",\"threadingModel\":\"WORKER\",\"roles\":[\"train\",\"data\"]}");
    Files.writeString(dir.resolve("README.md"), "not a descriptor");
    List<StageDescriptor> all = StageDescriptors.load(dir);
    assertThat(all).extracting(StageDescriptor::file).containsExactly("10-data.json", "30-matcher.json");
    assertThat(StageDescriptors.forRole(all, "train")).hasSize(2);
    assertThat(StageDescriptors.forRole(all, "matcher")).extracting(StageDescriptor::name).containsExactly("matcher");
    assertThatThrownBy(() -> StageDescriptors.forRole(all, "eval"))
        .hasMessageStartingWith("no stage descriptor has role 'eval'");
    assertThatThrownBy(() -> StageDescriptors.forRole(all, "matchr"))
        .hasMessageStartingWith("unknown role 'matchr'");
  }

  @Test
  void theRepositoryDescriptorsParseAndNameExistingVerticles() throws Exception {
    List<StageDescriptor> all = StageDescriptors.load(Path.of("verticles"));
    assertThat(all).isNotEmpty();
    for (StageDescriptor d : all) {
      assertThat(Class.forName(d.verticle())).as(d.file()).isNotNull();
      if (d.verticle().equals(MatcherVerticle.class.getName())) {
        assertThat(MatcherVerticle.instantiate(d.config().getString("solver"))).isNotNull();
      }
    }
  }

  @Test
  void aRunsStagesCarryTheRecipeWithTheTrainerLast() throws Exception {
    List<StageDescriptor> all = StageDescriptors.load(Path.of("verticles"));
    TrainConfig recipe = TrainConfig.resolve(new ObjectMapper().createObjectNode(),
        List.of("lr=3e-4"), "test");
    List<StageDescriptor> train = StageDescriptors.forRun(all, "train", recipe, true);
    assertThat(train.stream().map(StageDescriptor::name))
        .containsExactly("data", "matcher", "checkpoint", "eval", "trainer");
    for (StageDescriptor d : train) {
      assertThat(d.config().getJsonObject("recipe").getDouble("lr")).as(d.name()).isEqualTo(3e-4);
      assertThat(d.config().getBoolean("resume")).as(d.name()).isTrue();
    }
    assertThat(train.get(3).config().getBoolean(EvalVerticle.BESIDE_TRAINER)).isTrue();
    assertThat(train.get(4).config().getInteger("matchCredits")).as("descriptor config kept")
        .isEqualTo(16);

    List<StageDescriptor> eval = StageDescriptors.forRun(all, "eval", null, false);
    assertThat(eval).hasSize(1);
    assertThat(eval.get(0).config().containsKey("recipe")).isFalse();
    assertThat(eval.get(0).config().containsKey(EvalVerticle.BESIDE_TRAINER)).isFalse();
  }

  @Test
  void theJarCarriesTheRepositoryDescriptors(@TempDir Path dir) throws IOException {
    List<StageDescriptor> repository = StageDescriptors.load(StageDescriptors.DEFAULT_DIR);
    assertThat(StageDescriptors.bundled()).isEqualTo(repository);
    Path jar = dir.resolve("jdetr.jar");
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar))) {
      for (StageDescriptor d : repository) {
        zip.putNextEntry(new ZipEntry(StageDescriptors.BUNDLED + "/" + d.file()));
        zip.write(Files.readAllBytes(StageDescriptors.DEFAULT_DIR.resolve(d.file())));
        zip.closeEntry();
      }
    }
    assertThat(StageDescriptors.bundled(jar)).isEqualTo(repository);
  }

  @Test
  void anAbsentDirectoryOtherThanTheDefaultIsAnError(@TempDir Path dir) {
    assertThatThrownBy(() -> StageDescriptors.load(dir.resolve("verticles")))
        .hasMessageContaining("stage descriptor directory " + dir.resolve("verticles") + " does not exist");
  }
}
