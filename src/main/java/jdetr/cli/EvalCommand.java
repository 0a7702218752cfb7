package jdetr.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import jdetr.data.CocoFormatException;
import jdetr.eval.CocoEvaluation;
import jdetr.eval.CocoEvaluator;
import jdetr.eval.CocoParams;
import jdetr.eval.CocoResult;
import jdetr.eval.CocoResultsReader;
import jdetr.eval.CocoSegmReader;
import jdetr.eval.EvalResult;
import jdetr.eval.EvaluationReport;
import jdetr.eval.GroundTruthSet;
import jdetr.eval.SegmInput;
import jdetr.eval.panoptic.PanopticQuality;
import jdetr.eval.panoptic.PanopticResult;
import jdetr.train.CheckpointEvaluation;
import jdetr.train.RunFigures;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jdetr eval}: COCO box AP of a results file against an annotation file, or of a training
 * checkpoint on its recipe's val split (what the eval stage computes).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "COCO bounding-box or mask evaluation (pycocotools' numbers) of a detections"
        + " file, panoptic quality (panopticapi's numbers) of panoptic predictions, or a training"
        + " checkpoint on its recipe's val split.")
final class EvalCommand implements Callable<Integer> {
  @Option(names = "--gt", paramLabel = "FILE",
      description = "COCO annotation file (images, categories, annotations).")
  Path gt;

  @Option(names = "--dt", paramLabel = "FILE",
      description = "Detections in the COCO results format: [{image_id, category_id, bbox, score}]"
          + " ([{image_id, category_id, segmentation, score}] with --iou-type segm).")
  Path dt;

  @Option(names = "--checkpoint", paramLabel = "DIR",
      description = "A training checkpoint (runs/NAME/checkpoints/step-N) to evaluate on the val"
          + " split of the recipe it stores, instead of --gt/--dt.")
  Path checkpoint;

  @Option(names = "--iou-type", paramLabel = "TYPE", defaultValue = "bbox",
      description = "bbox (default): box AP; segm: mask AP from the objects' and the detections'"
          + " segmentation (polygons or RLE), as pycocotools' iouType \"segm\".")
  String iouType;

  @Option(names = "--panoptic", description = "Panoptic quality (PQ, SQ, RQ) of COCO panoptic"
      + " predictions (--dt JSON + --dt-folder PNGs) against a COCO panoptic ground truth (--gt"
      + " JSON + --gt-folder PNGs), as panopticapi's pq_compute.")
  boolean panoptic;

  @Option(names = "--gt-folder", paramLabel = "DIR",
      description = "With --panoptic: the ground truth's PNGs (default: --gt without .json).")
  Path gtFolder;

  @Option(names = "--dt-folder", paramLabel = "DIR",
      description = "With --panoptic: the predictions' PNGs (default: --dt without .json).")
  Path dtFolder;

  @Option(names = "--json", description = "Print the numbers as JSON with full precision, per-class AP included.")
  boolean json;

  @Option(names = "--per-class", description = "Also print a per-class AP table (text output).")
  boolean perClass;

  @Option(names = "--score-threshold", paramLabel = "S",
      defaultValue = "" + RunFigures.PICTURE_SCORE,
      description = "Score threshold of the precision/recall monitor at IoU 0.5, printed with"
          + " --per-class, --json and --checkpoint (default: ${DEFAULT-VALUE}, the score from"
          + " which a training run's predictions/ pictures draw a detection).")
  double scoreThreshold;

  @Option(names = "--threads", paramLabel = "N",
      description = "Categories (images with --panoptic) evaluated in parallel (default: all"
          + " cores).")
  Integer threads;

  @Mixin
  InferenceOptions inference = new InferenceOptions();

  @Override
  public Integer call() {
    if (!iouType.equals("bbox") && !iouType.equals("segm")) {
      System.err.println("jdetr eval: --iou-type must be bbox or segm, got " + iouType);
      return 2;
    }
    boolean masks = iouType.equals("segm");
    if (panoptic) {
      return evaluatePanoptic(masks);
    }
    if (gtFolder != null || dtFolder != null) {
      System.err.println("jdetr eval: --gt-folder and --dt-folder go with --panoptic");
      return 2;
    }
    if (checkpoint != null) {
      if (masks) {
        System.err.println("jdetr eval: --checkpoint evaluates boxes only; --iou-type segm takes"
            + " --gt and --dt");
        return 2;
      }
      if (gt != null || dt != null) {
        System.err.println("jdetr eval: --checkpoint evaluates on the checkpoint's own val split;"
            + " it takes no --gt or --dt");
        return 2;
      }
      return evaluateCheckpoint();
    }
    if (gt == null || dt == null) {
      System.err.println("jdetr eval: give --gt FILE and --dt FILE, or --checkpoint DIR");
      return 2;
    }
    try {
      GroundTruthSet truth = GroundTruthSet.read(gt);
      SegmInput segm = masks ? CocoSegmReader.read(gt, dt) : null;
      List<CocoResult> results = masks ? segm.results() : CocoResultsReader.read(dt);
      EvaluationReport.warnAboutDroppedEntries(truth, results, System.err);
      int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
      CocoEvaluation eval;
      try {
        CocoEvaluator evaluator = new CocoEvaluator(truth, CocoParams.bbox(), n);
        eval = masks ? evaluator.evaluateSegm(segm) : evaluator.evaluate(results);
      } catch (IllegalArgumentException e) {
        throw new CocoFormatException(dt + " against " + gt + ": " + e.getMessage(), e);
      }
      if (json) {
        EvaluationReport.writeJson(eval, scoreThreshold, System.out);
        System.out.flush();
      } else {
        eval.summaryLines().forEach(System.out::println);
        if (perClass) {
          EvaluationReport.printTable(eval, scoreThreshold, System.out);
        }
      }
      return 0;
    } catch (IOException | UncheckedIOException e) {
      System.err.println("jdetr eval: " + e.getMessage());
      return 1;
    }
  }

  private int evaluatePanoptic(boolean masks) {
    if (checkpoint != null || masks) {
      System.err.println("jdetr eval: --panoptic takes --gt, --dt and their folders, not"
          + (masks ? " --iou-type segm" : " --checkpoint"));
      return 2;
    }
    if (gt == null || dt == null) {
      System.err.println("jdetr eval: --panoptic needs --gt FILE and --dt FILE");
      return 2;
    }
    // panopticapi's default: the folder is the JSON's path without ".json"
    Path gtPngs = gtFolder != null ? gtFolder : Path.of(gt.toString().replace(".json", ""));
    Path dtPngs = dtFolder != null ? dtFolder : Path.of(dt.toString().replace(".json", ""));
    try {
      int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
      PanopticResult result = PanopticQuality.compute(gt, gtPngs, dt, dtPngs, n);
      if (json) {
        result.writeJson(System.out);
        System.out.flush();
      } else {
        result.tableLines().forEach(System.out::println);
      }
      return 0;
    } catch (IOException | UncheckedIOException e) {
      System.err.println("jdetr eval: " + e.getMessage());
      return 1;
    }
  }

  private int evaluateCheckpoint() {
    EvalResult r;
    try (CheckpointEvaluation evaluation = new CheckpointEvaluation(() -> false, inference.device(),
        inference.precision(), scoreThreshold)) {
      r = evaluation.evaluate(checkpoint, -1, -1);
    }
    if (!r.ok()) {
      System.err.println("jdetr eval: " + r.error());
      return 1;
    }
    EvaluationReport.printCheckpoint(checkpoint, r, json, System.out);
    return 0;
  }
}
