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
import jdetr.train.CheckpointEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jdetr eval}: COCO box AP of a results file against an annotation file, or of a training
 * checkpoint on its recipe's val split (what the eval stage computes).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "COCO bounding-box or mask evaluation (pycocotools' numbers) of a detections"
        + " file, or of a training checkpoint on its recipe's val split.")
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

  @Option(names = "--json", description = "Print the numbers as JSON with full precision, per-class AP included.")
  boolean json;

  @Option(names = "--per-class", description = "Also print a per-class AP table (text output).")
  boolean perClass;

  @Option(names = "--score-threshold", paramLabel = "S", defaultValue = "0.5",
      description = "Score threshold of the precision/recall monitor at IoU 0.5 (default: ${DEFAULT-VALUE}).")
  double scoreThreshold;

  @Option(names = "--threads", paramLabel = "N",
      description = "Categories evaluated in parallel (default: all cores).")
  Integer threads;

  @Override
  public Integer call() {
    if (!iouType.equals("bbox") && !iouType.equals("segm")) {
      System.err.println("jdetr eval: --iou-type must be bbox or segm, got " + iouType);
      return 2;
    }
    boolean masks = iouType.equals("segm");
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

  private int evaluateCheckpoint() {
    EvalResult r;
    try (CheckpointEvaluation evaluation = new CheckpointEvaluation()) {
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
