package jdetr.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import jdetr.data.ImageDecoder;
import jdetr.data.ImageRejectedException;
import jdetr.data.RgbImage;
import jdetr.serve.Detector;

/**
 * The detector's throughput without the server, on one thread, batch after batch of the same
 * frames the streams send: the reference of `bench serve`'s ratios. A measurement ends early,
 * after the running batch, once {@code stopped} says so.
 *
 * @param <I> a prepared frame of the detector
 */
final class RawThroughput<I> {

  /**
   * A measured rate.
   *
   * @param fps frames per wall-clock second
   * @param framesPerCpuSecond frames per CPU second of the whole process
   * @param framesPerWorkCpuSecond frames per CPU second without the JIT compiler's ({@link ProcessCpu})
   */
  record Rate(double fps, double framesPerCpuSecond, double framesPerWorkCpuSecond) {}

  private final Detector<I> detector;
  private final ImageDecoder decoder;
  private final List<byte[]> encoded;
  private final List<RgbImage> decoded = new ArrayList<>();
  private final List<I> prepared = new ArrayList<>();
  private final int batch;
  private final BooleanSupplier stopped;

  RawThroughput(Detector<I> detector, ImageDecoder decoder, List<byte[]> encoded, int batch,
      BooleanSupplier stopped) throws ImageRejectedException {
    this.detector = detector;
    this.stopped = stopped;
    this.decoder = decoder;
    this.encoded = encoded;
    this.batch = batch;
    for (byte[] f : encoded) {
      RgbImage image = decoder.decode(f, 0, f.length);
      decoded.add(image);
      prepared.add(detector.prepare(image));
    }
  }

  /** Prepare (resize, normalise) and model on decoded frames: what the server's detector does per batch. */
  Rate model(double seconds) throws Exception {
    return run(seconds, k -> detector.detectFrames(batchOf(decoded, k)));
  }

  /** The model alone, on frames prepared beforehand. */
  Rate preparedModel(double seconds) throws Exception {
    return run(seconds, k -> detector.detect(batchOf(prepared, k)));
  }

  /** Decode, prepare and model, from the encoded frames. */
  Rate decodeAndModel(double seconds) throws Exception {
    return run(seconds, k -> {
      List<RgbImage> input = new ArrayList<>(batch);
      for (byte[] f : batchOf(encoded, k)) {
        input.add(decoder.decode(f, 0, f.length));
      }
      detector.detectFrames(input);
    });
  }

  /** The k-th batch, cycling through the frames. */
  private <T> List<T> batchOf(List<T> items, long k) {
    List<T> out = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      out.add(items.get((int) ((k * batch + i) % items.size())));
    }
    return out;
  }

  private interface BatchRun {
    void run(long k) throws Exception;
  }

  /** Batches one after another for at least three batches and {@code seconds}. */
  private Rate run(double seconds, BatchRun work) throws Exception {
    long cpuStart = ProcessCpu.totalNanos();
    long compilerStart = ProcessCpu.compilerNanos();
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long frames = 0;
    for (long k = 0; !stopped.getAsBoolean() && (frames < 3L * batch || System.nanoTime() < end); k++) {
      work.run(k);
      frames += batch;
    }
    double wall = (System.nanoTime() - start) / 1e9;
    double cpu = (ProcessCpu.totalNanos() - cpuStart) / 1e9;
    double compiler = (ProcessCpu.compilerNanos() - compilerStart) / 1e9;
    return new Rate(frames / wall, frames / cpu, frames / (cpu - compiler));
  }
}
