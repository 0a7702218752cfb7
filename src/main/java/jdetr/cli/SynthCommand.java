package jdetr.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import jdetr.data.SynthConfig;
import jdetr.data.SyntheticDataset;
import jdetr.data.SyntheticPanoptic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jdetr synth}: writes a COCO-format dataset of coloured shapes with exact boxes. */
@Command(name = "synth", mixinStandardHelpOptions = true,
    description = "Write a synthetic COCO-format dataset of coloured shapes (exact boxes) in the"
        + " COCO 2017 layout: annotations/instances_{train,val}2017.json, train2017/, val2017/.")
final class SynthCommand implements Callable<Integer> {
  @Option(names = "--out", required = true, description = "Dataset root to write.")
  Path out;

  @Option(names = "--train", defaultValue = "200", description = "Train images (default ${DEFAULT-VALUE}).")
  int train;

  @Option(names = "--val", defaultValue = "50", description = "Val images (default ${DEFAULT-VALUE}).")
  int val;

  @Option(names = "--size", defaultValue = "256",
      description = "Longest image side; the other varies from 60%% to 100%% (default ${DEFAULT-VALUE}).")
  int size;

  @Option(names = "--seed", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--classes", defaultValue = "3",
      description = "Shape classes 1..5: ellipse, rectangle, triangle, diamond, cross; 1 = ellipses"
          + " only, for fine-tuning (default ${DEFAULT-VALUE}).")
  int classes;

  @Option(names = "--format", defaultValue = "jpg", description = "jpg or png (default ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--width", defaultValue = "0", description = "Fixed width (with --height) instead of --size.")
  int width;

  @Option(names = "--height", defaultValue = "0", description = "Fixed height (with --width).")
  int height;

  @Option(names = "--min-objects", defaultValue = "1", description = "Fewest objects per image (default ${DEFAULT-VALUE}).")
  int minObjects;

  @Option(names = "--max-objects", defaultValue = "6", description = "Most objects per image (default ${DEFAULT-VALUE}).")
  int maxObjects;

  @Option(names = "--force", description = "Overwrite a dataset already in --out.")
  boolean force;

  @Option(names = "--panoptic", description = "Write a COCO panoptic dataset instead: the shapes as"
      + " things over sky and ground stuff bands, exact PNGs; annotations/panoptic_{train,val}2017.json,"
      + " panoptic_{train,val}2017/, {train,val}2017/ (JPEG).")
  boolean panoptic;

  @Override
  public Integer call() throws Exception {
    if (panoptic) {
      return writePanoptic();
    }
    SyntheticDataset.Summary s;
    try {
      s = SyntheticDataset.write(out, new SynthConfig(train, val, size, seed, classes, format,
          width, height, minObjects, maxObjects), force);
    } catch (IllegalArgumentException | java.io.IOException e) {
      System.err.println("jdetr synth: " + e.getMessage());
      return 2;
    }
    System.out.printf("{\"dataset\":\"%s\",\"train\":%d,\"val\":%d,\"objects\":%d,"
            + "\"classes\":%d,\"num_classes\":%d}%n",
        s.root().toString().replace("\\", "\\\\").replace("\"", "\\\""), s.trainImages(),
        s.valImages(), s.objects(), s.classes(), s.classes() + 1);
    return 0;
  }

  private int writePanoptic() {
    SyntheticPanoptic.Summary s;
    try {
      s = SyntheticPanoptic.write(out, new SynthConfig(train, val, size, seed, classes, format,
          width, height, minObjects, maxObjects), force);
    } catch (IllegalArgumentException | java.io.IOException e) {
      System.err.println("jdetr synth: " + e.getMessage());
      return 2;
    }
    System.out.printf("{\"dataset\":\"%s\",\"train\":%d,\"val\":%d,\"segments\":%d,"
            + "\"things\":%d,\"stuff\":2,\"num_classes\":%d}%n",
        s.root().toString().replace("\\", "\\\\").replace("\"", "\\\""), s.trainImages(),
        s.valImages(), s.segments(), s.classes(), SyntheticPanoptic.NUM_CLASSES);
    return 0;
  }
}
