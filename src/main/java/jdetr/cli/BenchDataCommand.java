package jdetr.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jdetr.data.CocoDataset;
import jdetr.data.CocoPaths;
import jdetr.data.DataBenchmark;
import jdetr.data.SynthConfig;
import jdetr.data.SyntheticDataset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jdetr bench data}: images per second on one thread for decode + train augmentation +
 * normalize of 640x480 JPEGs, and for whole collated batches; optionally the reference pipeline
 * (PIL + DETR's transforms) on the same images, and the ratio.
 */
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
    if (!Files.exists(root.resolve("annotations/instances_train2017.json"))) {
      SyntheticDataset.write(root,
          new SynthConfig(images, 0, 640, 7, 3, "jpg", 640, 480, 2, 8), false);
    }
    CocoPaths paths = CocoPaths.coco2017(root, "train");
    CocoDataset dataset = CocoDataset.open(paths);
    Map<String, double[]> ours = new HashMap<>();
    for (DataBenchmark.Result r : new DataBenchmark(dataset, seconds, batch).run()) {
      ours.put(r.what(), new double[] {r.imagesPerSecond(), r.imagesPerCpuSecond()});
      System.out.println(String.format(Locale.ROOT,
          "{\"bench\":\"data\",\"impl\":\"jdetr\",\"what\":\"%s\",\"threads\":1,"
              + "\"images_per_s\":%.2f,\"ms_per_image\":%.3f,\"images_per_cpu_s\":%.2f,"
              + "\"iterations\":%d,\"batch\":%d,\"image_size\":\"640x480\",\"images\":%d}",
          r.what(), r.imagesPerSecond(), r.msPerImage(), r.imagesPerCpuSecond(), r.iterations(),
          r.batch(), dataset.size()));
    }
    if (python == null || detr == null) return 0;
    Map<String, double[]> reference = runReference(paths);
    for (String what : List.of("decode", "train_sample", "train_batch")) {
      if (reference.containsKey(what) && ours.containsKey(what)) {
        System.out.println(String.format(Locale.ROOT,
            "{\"bench\":\"data\",\"what\":\"%s\",\"ratio_jdetr_over_reference\":%.3f,"
                + "\"ratio_per_cpu_s\":%.3f}", what,
            ours.get(what)[0] / reference.get(what)[0], ours.get(what)[1] / reference.get(what)[1]));
      }
    }
    return 0;
  }

  private Map<String, double[]> runReference(CocoPaths paths) throws IOException, InterruptedException {
    Path script = Files.createTempFile("reference_data_bench", ".py");
    try (InputStream in = getClass().getResourceAsStream("/jdetr/bench/reference_data_bench.py")) {
      Files.write(script, in.readAllBytes());
    }
    ProcessBuilder pb = new ProcessBuilder(python, script.toString(), "--images",
        paths.images().toString(), "--annotations", paths.annotations().toString(), "--seconds",
        Double.toString(seconds), "--batch", Integer.toString(batch));
    String path = detr.toString() + (cocoapi != null ? java.io.File.pathSeparator + cocoapi : "");
    pb.environment().put("PYTHONPATH", path);
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    Map<String, double[]> rates = new HashMap<>();
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.startsWith("{")) continue; // pycocotools' progress messages
        System.out.println(line);
        var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
        rates.put(node.get("what").asText(), new double[] {node.get("images_per_s").asDouble(),
            node.get("images_per_cpu_s").asDouble()});
      }
    }
    int code = p.waitFor();
    Files.deleteIfExists(script);
    if (code != 0) throw new IOException("reference benchmark exited with " + code);
    return rates;
  }
}
