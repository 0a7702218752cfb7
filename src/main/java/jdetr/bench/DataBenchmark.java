package jdetr.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import jdetr.data.BatchCodec;
import jdetr.data.CocoDataset;
import jdetr.data.Collate;
import jdetr.data.ImageDecoder;
import jdetr.data.ImageLimits;
import jdetr.data.Sample;
import jdetr.data.transforms.AugmentationConfig;
import jdetr.data.transforms.TrainTransform;

/**
 * Times the data stage on one thread: decode; decode + target + train augmentation + normalize;
 * and whole collated (and encoded) batches. Each measurement warms up first, then runs for at
 * least the given time.
 */
public final class DataBenchmark {
  private final CocoDataset dataset;
  private final double seconds;
  private final int batchSize;
  private final ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULT);
  private final TrainTransform train = new TrainTransform(AugmentationConfig.DETR);

  public DataBenchmark(CocoDataset dataset, double seconds, int batchSize) {
    this.dataset = dataset;
    this.seconds = seconds;
    this.batchSize = batchSize;
  }

  /**
   * One measurement: wall-clock rate, and the rate per CPU-second of the whole process (JIT and
   * GC threads included), which is what one core gives when the machine is shared.
   */
  public record Result(String what, double imagesPerSecond, double msPerImage,
      double imagesPerCpuSecond, long iterations, int batch) {}

  @FunctionalInterface
  private interface Step {
    void run(long n) throws IOException;
  }

  public List<Result> run() throws IOException {
    List<Result> results = new ArrayList<>();
    int size = dataset.size();
    results.add(time("decode", 1, n -> decoder.decode(dataset.imageFile((int) (n % size)))));
    results.add(time("train_sample", 1, n -> sample(n)));
    results.add(time("train_batch", batchSize, n -> Collate.of(batch(n))));
    results.add(time("train_batch_encoded", batchSize,
        n -> BatchCodec.encode(Collate.of(batch(n)))));
    return results;
  }

  private Sample sample(long n) throws IOException {
    int index = (int) (n % dataset.size());
    return train.apply(dataset.load(index, decoder), 42, n / dataset.size(), index);
  }

  private List<Sample> batch(long n) throws IOException {
    List<Sample> samples = new ArrayList<>(batchSize);
    for (int k = 0; k < batchSize; k++) samples.add(sample(n * batchSize + k));
    return samples;
  }

  private Result time(String what, int imagesPerStep, Step step) throws IOException {
    long warmEnd = System.nanoTime() + (long) (Math.min(2.0, seconds / 2) * 1e9);
    long n = 0;
    while (System.nanoTime() < warmEnd || n < 3) step.run(n++);
    long start = System.nanoTime();
    long cpuStart = ProcessCpu.totalNanos();
    long iterations = 0;
    double elapsed;
    do {
      step.run(n++);
      iterations++;
      elapsed = (System.nanoTime() - start) / 1e9;
    } while (elapsed < seconds || iterations < 5);
    double cpu = (ProcessCpu.totalNanos() - cpuStart) / 1e9;
    double images = (double) iterations * imagesPerStep;
    return new Result(what, images / elapsed, 1000 * elapsed / images, images / cpu, iterations,
        imagesPerStep);
  }
}
