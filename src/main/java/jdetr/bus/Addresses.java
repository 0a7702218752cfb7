package jdetr.bus;

/**
 * Every event-bus address of the pipeline, in one place. Request/reply addresses are served by
 * worker verticles on any node; publish addresses are broadcast to every listener.
 */
public final class Addresses {
  private Addresses() {}

  /** Request/reply: the trainer asks for the batch of an (epoch, step); served by DataVerticle. */
  public static final String DATA_BATCH = "jdetr.data.batch";

  /** Request/reply: one (image, decoder layer) matching unit; served by MatcherVerticle. */
  public static final String MATCH = "jdetr.match";

  /** Publish: per-step training metrics (losses, lr, step rate) from the trainer. */
  public static final String TRAIN_METRICS = "jdetr.train.metrics";

  /** Request/reply: the trainer hands a written checkpoint directory to CheckpointVerticle. */
  public static final String CHECKPOINT_SAVE = "jdetr.checkpoint.save";

  /**
   * Request/reply: CheckpointVerticle hands a committed checkpoint (its step and directory) to one
   * EvalVerticle, which replies once it has queued it.
   */
  public static final String CHECKPOINT_EVALUATE = "jdetr.checkpoint.evaluate";

  /** Publish: COCO metrics of an evaluated checkpoint. */
  public static final String EVAL_RESULT = "jdetr.eval.result";

  /** Publish: cluster and stage events (node joined or left, retries, local fallbacks). */
  public static final String PIPELINE_EVENTS = "jdetr.pipeline.events";

  /**
   * Which node role serves a request/reply address, as a phrase for messages
   * ({@code " (start one with: jdetr node --role data …)"}); empty for other addresses.
   */
  public static String servedBy(String address) {
    String role = switch (address) {
      case DATA_BATCH -> "data";
      case MATCH -> "matcher";
      case CHECKPOINT_SAVE -> "trainer";
      case CHECKPOINT_EVALUATE -> "eval";
      default -> null;
    };
    return role == null ? "" : " (start one with: jdetr node --role " + role + " --cluster CLUSTER.xml"
        + (role.equals("data") ? " RECIPE" : "") + ")";
  }

}
