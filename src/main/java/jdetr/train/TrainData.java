package jdetr.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import jdetr.data.Batch;
import jdetr.data.CocoDataset;
import jdetr.data.CocoPaths;
import jdetr.data.Collate;
import jdetr.data.ImageDecoder;
import jdetr.data.ImageLimits;
import jdetr.data.Sample;
import jdetr.data.PanopticInstances;
import jdetr.data.SynthConfig;
import jdetr.data.SyntheticPanoptic;
import jdetr.data.SyntheticDataset;
import jdetr.data.transforms.TrainTransform;
import jdetr.io.AtomicFiles;

/**
 * The train split as batches keyed by (epoch, step): the image order of an epoch is a shuffle
 * keyed by (seed, epoch), the last incomplete batch is dropped (the reference's
 * {@code BatchSampler(drop_last=True)}), and augmentation is keyed by (seed, epoch, image index).
 * Whoever prepares a batch, and whenever, it is the same batch.
 */
public final class TrainData {

  private final CocoDataset dataset;
  private final TrainTransform transform;
  private final int batchSize;
  private final long seed;
  private final ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULT);

  public TrainData(CocoDataset dataset, TrainTransform transform, int batchSize, long seed) {
    stepsPerEpoch(dataset, batchSize);
    this.dataset = dataset;
    this.transform = transform;
    this.batchSize = batchSize;
    this.seed = seed;
  }

  /** Full batches of {@code dataset} per epoch; a split smaller than one batch is refused. */
  public static int stepsPerEpoch(CocoDataset dataset, int batchSize) {
    if (dataset.size() < batchSize) {
      throw new IllegalArgumentException(dataset.groundTruth().source() + ": " + dataset.size()
          + " train images, fewer than one batch of " + batchSize);
    }
    return dataset.size() / batchSize;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Written next to a generated dataset: the synth recipe it was made from. */
  static final String SYNTH_RECIPE = "synth.json";

  /**
   * Opens the train and val splits under {@code root}; when they are missing and a synthetic
   * recipe is given, writes that dataset there first. A dataset generated earlier from another
   * synth recipe is refused, naming both.
   */
  public static CocoPaths[] openOrGenerate(Path root, TrainConfig.SynthRecipe synth)
      throws IOException {
    return openOrGenerate(new DataRecipe(root, synth));
  }

  /**
   * Opens the train and val splits of {@code data} (in its format: a COCO panoptic split through
   * {@link PanopticInstances}); when they are missing and a synthetic recipe is given, writes that
   * dataset there first ({@link SyntheticPanoptic} for {@code coco_panoptic}).
   */
  public static CocoPaths[] openOrGenerate(DataRecipe data) throws IOException {
    Path root = data.root();
    TrainConfig.SynthRecipe synth = data.synth();
    Path stamp = root.resolve(SYNTH_RECIPE);
    try {
      CocoPaths[] splits = splits(data);
      if (synth != null && Files.exists(stamp)) {
        JsonNode before = JSON.readTree(stamp.toFile());
        JsonNode now = JSON.readTree(JSON.writeValueAsBytes(synth));
        if (!before.equals(now)) {
          throw new IOException(root + " holds a dataset generated from the synth recipe " + before
              + ", not " + now + ": delete " + root + " or set data.root");
        }
      }
      return splits;
    } catch (FileNotFoundException missing) {
      if (synth == null) {
        throw missing;
      }
      if (Files.exists(stamp)) {
        throw new IOException(root + " holds a generated dataset, but not in the data.format "
            + data.format().jsonName() + " layout (" + missing.getMessage() + "): delete " + root
            + " or set data.root", missing);
      }
      System.err.printf("dataset %s is missing: generating %d train / %d val synthetic images%n",
          root, synth.train(), synth.val());
      SynthConfig c = new SynthConfig(synth.train(), synth.val(), synth.size(), synth.seed(),
          synth.classes(), "jpg", 0, 0, synth.minObjects(), synth.maxObjects());
      if (data.panoptic()) {
        SyntheticPanoptic.write(root, c, false);
      } else {
        SyntheticDataset.write(root, c, false);
      }
      AtomicFiles.writeBytes(stamp, JSON.writeValueAsBytes(synth));
      return splits(data);
    }
  }

  private static CocoPaths[] splits(DataRecipe data) throws IOException {
    if (data.panoptic()) {
      return new CocoPaths[] {PanopticInstances.open(data.root(), "train"),
          PanopticInstances.open(data.root(), "val")};
    }
    return new CocoPaths[] {CocoPaths.resolve(data.root(), "train"),
        CocoPaths.resolve(data.root(), "val")};
  }

  public CocoDataset dataset() {
    return dataset;
  }

  /** Full batches per epoch. */
  public int stepsPerEpoch() {
    return dataset.size() / batchSize;
  }

  /** Dataset indices of an epoch, in training order. */
  public int[] order(int epoch) {
    int[] order = new int[dataset.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Random r = new Random(seed * 1_000_003L + epoch);
    for (int i = order.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /** Batch {@code step} (0-based, within the epoch) of {@code epoch}. */
  public Batch batch(int epoch, int step) {
    if (step < 0 || step >= stepsPerEpoch()) {
      throw new IllegalArgumentException("step " + step + " outside the " + stepsPerEpoch()
          + " steps of an epoch");
    }
    int[] order = order(epoch);
    List<Sample> samples = new ArrayList<>(batchSize);
    for (int k = step * batchSize; k < (step + 1) * batchSize; k++) {
      int index = order[k];
      try {
        samples.add(transform.apply(dataset.load(index, decoder), seed, epoch, index));
      } catch (IOException e) {
        throw new UncheckedIOException("image " + dataset.imageId(index) + " ("
            + dataset.imageFile(index) + "): " + e.getMessage(), e);
      }
    }
    return Collate.of(samples);
  }
}
