package jdetr.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import jdetr.bench.DataBenchRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jdetr bench data}: the options of {@link DataBenchRun}. */
@Command(name = "data", mixinStandardHelpOptions = true,
    description = "Data pipeline speed per core (JSON lines); with --reference-python/--reference-detr"
        + " also DETR's own pipeline on the same images and the ratio.")
final class BenchDataCommand implements Callable<Integer> {
  @Option(names = "--dir", description = "Where to write the 640x480 JPEGs (default: a temp dir).")
  Path dir;

  @Option(names = "--images", defaultValue = "32", description = "Images to generate (default ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--seconds", defaultValue = "5", description = "Time per measurement (default ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--batch", defaultValue = "2", description = "Images per batch (default ${DEFAULT-VALUE}, DETR's per GPU).")
  int batch;

  @Option(names = "--reference-python", description = "Python with torch, torchvision, PIL (e.g. /usr/bin/python3).")
  String python;

  @Option(names = "--reference-detr", description = "A facebookresearch/detr checkout.")
  Path detr;

  @Option(names = "--reference-cocoapi", description = "pycocotools' PythonAPI folder, if not installed.")
  Path cocoapi;

  @Override
  public Integer call() throws Exception {
    Path root = dir != null ? dir : Files.createTempDirectory("jdetr-bench-data");
    new DataBenchRun(root, images, seconds, batch, python, detr, cocoapi).run();
    return 0;
  }
}
