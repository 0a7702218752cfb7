package jdetr.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import jdetr.data.CocoDataset;
import jdetr.data.CocoPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The synthetic dataset a recipe asks for, and a dataset left by another recipe. */
class TrainDataTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static TrainConfig recipe(Path root, String synth) {
    return TrainConfig.resolve(JSON.createObjectNode(),
        List.of("data.root=" + root, "data.synth=" + synth), "test");
  }

  @Test
  void generatesWithTheRecipesObjectCountsAndRefusesAnotherRecipesDataset(@TempDir Path tmp)
      throws Exception {
    Path root = tmp.resolve("shapes");
    TrainConfig two = recipe(root, "{\"train\": 5, \"val\": 2, \"size\": 48, \"classes\": 2,"
        + " \"min_objects\": 2, \"max_objects\": 2}");
    CocoPaths[] splits = TrainData.openOrGenerate(root, two.synth());
    CocoDataset train = CocoDataset.open(splits[0]);
    for (int i = 0; i < train.size(); i++) {
      assertThat(train.groundTruth().annotationsOf(i)).as("image %d", i).hasSize(2);
    }
    // The same recipe opens what is there; another one is refused, naming the folder.
    assertThat(TrainData.openOrGenerate(root, two.synth())).hasSize(2);
    TrainConfig three = recipe(root, "{\"train\": 5, \"val\": 2, \"size\": 48, \"classes\": 3}");
    assertThatThrownBy(() -> TrainData.openOrGenerate(root, three.synth()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(root + " holds a dataset generated from the synth recipe")
        .hasMessageContaining("\"classes\":2");
    // Without a synth recipe the folder is just a dataset.
    assertThat(TrainData.openOrGenerate(root, null)).hasSize(2);
  }
}
