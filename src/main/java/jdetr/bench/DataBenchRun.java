package jdetr.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.File;
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
import jdetr.data.CocoDataset;
import jdetr.data.CocoPaths;
import jdetr.data.SynthConfig;
import jdetr.data.SyntheticDataset;

/**
 * {@code jdetr bench data}: images per second on one thread for decode + train augmentation +
 * normalize of 640x480 JPEGs, and for whole collated batches ({@link DataBenchmark}); optionally
 * the reference pipeline (PIL + DETR's transforms) on the same images, and the ratio. Prints JSON
 * lines.
 *
 * @param dir where the JPEGs are (written there when absent)
 * @param images images to generate
 * @param seconds time per measurement
 * @param batch images per batch
 * @param python Python with torch, torchvision and PIL for the reference, or null
 * @param detr a DETR checkout for the reference, or null
 * @param cocoapi pycocotools' PythonAPI folder, or null when installed
 */
public record DataBenchRun(Path dir, int images, double seconds, int batch, String python, Path detr,
    Path cocoapi) {

  public void run() throws IOException, InterruptedException {
    if (!Files.exists(dir.resolve("annotations/instances_train2017.json"))) {
      SyntheticDataset.write(dir,
          new SynthConfig(images, 0, 640, 7, 3, "jpg", 640, 480, 2, 8), false);
    }
    CocoPaths paths = CocoPaths.coco2017(dir, "train");
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
    if (python == null || detr == null) {
      return;
    }
    Map<String, double[]> reference = runReference(paths);
    for (String what : List.of("decode", "train_sample", "train_batch")) {
      if (reference.containsKey(what) && ours.containsKey(what)) {
        System.out.println(String.format(Locale.ROOT,
            "{\"bench\":\"data\",\"what\":\"%s\",\"ratio_jdetr_over_reference\":%.3f,"
                + "\"ratio_per_cpu_s\":%.3f}", what,
            ours.get(what)[0] / reference.get(what)[0], ours.get(what)[1] / reference.get(what)[1]));
      }
    }
  }

  private Map<String, double[]> runReference(CocoPaths paths) throws IOException, InterruptedException {
    Path script = Files.createTempFile("reference_data_bench", ".py");
    try (InputStream in = DataBenchRun.class.getResourceAsStream("/jdetr/bench/reference_data_bench.py")) {
      Files.write(script, in.readAllBytes());
    }
    ProcessBuilder pb = new ProcessBuilder(python, script.toString(), "--images",
        paths.images().toString(), "--annotations", paths.annotations().toString(), "--seconds",
        Double.toString(seconds), "--batch", Integer.toString(batch));
    String path = detr.toString() + (cocoapi != null ? File.pathSeparator + cocoapi : "");
    pb.environment().put("PYTHONPATH", path);
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    Map<String, double[]> rates = new HashMap<>();
    ObjectMapper json = new ObjectMapper();
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.startsWith("{")) {
          continue; // pycocotools' progress messages
        }
        System.out.println(line);
        JsonNode node = json.readTree(line);
        rates.put(node.get("what").asText(), new double[] {node.get("images_per_s").asDouble(),
            node.get("images_per_cpu_s").asDouble()});
      }
    }
    int code = p.waitFor();
    Files.deleteIfExists(script);
    if (code != 0) {
      throw new IOException("reference benchmark exited with " + code);
    }
    return rates;
  }
}
