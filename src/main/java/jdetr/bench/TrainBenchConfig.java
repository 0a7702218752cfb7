package jdetr.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdetr.data.CocoDataset;
import jdetr.data.CocoPaths;
import jdetr.data.SynthConfig;
import jdetr.data.SyntheticDataset;
import jdetr.data.transforms.TrainTransform;
import jdetr.model.DetrConfig;
import jdetr.train.TrainConfig;
import jdetr.train.TrainData;

/**
 * A config of {@code bench train}: a recipe file (its synthetic dataset generated under the bench's
 * data folder, never in the recipe's own {@code data.root}), or the built-in DETR-R50 at 512x512.
 *
 * @param name config name in the JSON lines (the recipe's file name without {@code .json})
 * @param train the resolved recipe
 * @param model the model, with the dataset's class count
 * @param data the train split as batches
 */
record TrainBenchConfig(String name, TrainConfig train, DetrConfig model, TrainData data) {

  /** DETR-R50 (reference defaults, 91 classes), batch 2, 512x512 synthetic images. */
  static final String R50_512 = TrainBench.R50_512;

  private static final ObjectMapper JSON = new ObjectMapper();

  static TrainBenchConfig resolve(String item, List<String> overrides, Path dataDir)
      throws IOException {
    TrainConfig config;
    String name;
    if (item.equals(R50_512)) {
      name = R50_512;
      Path root = dataDir.resolve("detr-r50-512-synth");
      generateSquare(root, 512);
      List<String> all = new ArrayList<>(List.of("data.root=" + root));
      all.addAll(overrides);
      config = TrainConfig.resolve(r50Recipe(), all, R50_512);
    } else {
      Path recipe = Path.of(item);
      if (!Files.isRegularFile(recipe)) {
        throw new IllegalArgumentException(item + ": no such recipe file (the built-in config is "
            + R50_512 + ")");
      }
      name = recipe.getFileName().toString().replaceFirst("\\.json$", "");
      config = TrainConfig.load(recipe, overrides);
      boolean rootGiven = overrides.stream().anyMatch(o -> o.startsWith("data.root="));
      TrainConfig.SynthRecipe s = config.synth();
      if (s != null && !rootGiven) {
        List<String> all = new ArrayList<>(List.of("data.root=" + dataDir.resolve(name + "-"
            + s.train() + "x" + s.size() + "-c" + s.classes() + "-s" + s.seed())));
        all.addAll(overrides);
        config = TrainConfig.load(recipe, all);
      }
    }
    CocoPaths[] splits = TrainData.openOrGenerate(config.data());
    CocoDataset train = CocoDataset.open(splits[0]);
    return new TrainBenchConfig(name, config, config.modelFor(train.numClasses()),
        new TrainData(train, new TrainTransform(config.augmentation()), config.batchSize(),
            config.seed()));
  }

  /** Every augmentation branch ends at {@code size x size} for square {@code size} images. */
  private static ObjectNode r50Recipe() {
    ObjectNode r = JSON.createObjectNode();
    r.putObject("model").put("backbone", "resnet50").put("num_classes", 91);
    r.put("batch_size", 2);
    ObjectNode aug = r.putObject("augmentation");
    aug.putArray("scales").add(512);
    aug.put("max_size", 512);
    aug.putArray("crop_resize_sizes").add(512);
    aug.put("crop_min_size", 512).put("crop_max_size", 512).put("val_size", 512);
    return r;
  }

  private static void generateSquare(Path root, int size) throws IOException {
    try {
      CocoPaths.resolve(root, "train");
    } catch (FileNotFoundException missing) {
      SyntheticDataset.write(root, new SynthConfig(32, 2, size, 42, 3, "jpg", size, size, 1, 6),
          false);
    }
  }
}
