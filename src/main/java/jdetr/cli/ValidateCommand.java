package jdetr.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import jdetr.data.CocoDataset;
import jdetr.data.CocoPaths;
import jdetr.data.DatasetValidation;
import jdetr.data.ImageLimits;
import jdetr.data.ValidationOptions;
import jdetr.data.ValidationReport;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jdetr validate}: the pre-flight check training runs, on its own. */
@Command(name = "validate", mixinStandardHelpOptions = true,
    description = "Check a COCO-format dataset (annotations and image headers) and print the report;"
        + " exit 1 if training would refuse it.")
final class ValidateCommand implements Callable<Integer> {
  static final class Where {
    @Option(names = "--data", description = "Dataset root (COCO 2017 layout or custom_<split>.json).")
    Path root;

    @ArgGroup(exclusive = false)
    Files files;
  }

  static final class Files {
    @Option(names = "--annotations", required = true, description = "Annotations JSON file.")
    Path annotations;

    @Option(names = "--images", required = true, description = "Image folder.")
    Path images;
  }

  @ArgGroup(multiplicity = "1")
  Where where;

  @Option(names = "--split", defaultValue = "train", description = "Split under --data (default ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--strict", description = "Fail on warnings too.")
  boolean strict;

  @Option(names = "--no-files", description = "Check the JSON only, not the image files.")
  boolean noFiles;

  @Option(names = "--num-classes", defaultValue = "0",
      description = "Configured class count (default: largest category id + 1).")
  int numClasses;

  @Option(names = "--masks", description = "Check the segmentations too (rules V21-V24), as"
      + " training with masks needs them.")
  boolean masks;

  @Option(names = "--max-pixels", defaultValue = "89478485", description = "Largest image (default ${DEFAULT-VALUE}).")
  long maxPixels;

  @Override
  public Integer call() throws Exception {
    CocoPaths paths = where.root != null ? CocoPaths.resolve(where.root, split)
        : new CocoPaths(where.files.annotations, where.files.images);
    CocoDataset dataset = CocoDataset.open(paths).withMasks(masks);
    ImageLimits limits = new ImageLimits(maxPixels, ImageLimits.DEFAULT.maxSide(),
        ImageLimits.DEFAULT.maxFileBytes());
    ValidationOptions options = new ValidationOptions(strict, !noFiles, limits, numClasses);
    ValidationReport report = DatasetValidation.validate(dataset, options);
    System.out.println(report.format());
    System.out.println("num_classes " + (numClasses > 0 ? numClasses : dataset.numClasses())
        + "; categories " + dataset.categoryNames());
    boolean passes = report.passes(strict);
    System.out.println(passes ? "PASS" : "FAIL" + (strict ? " (strict)" : ""));
    return passes ? 0 : 1;
  }
}
