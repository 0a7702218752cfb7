package jdetr.verticles;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import jdetr.bus.Addresses;
import jdetr.bus.Responder;
import jdetr.data.BatchCodec;
import jdetr.data.CocoDataset;
import jdetr.data.CocoPaths;
import jdetr.data.transforms.TrainTransform;
import jdetr.train.RecipeFingerprint;
import jdetr.train.TrainConfig;
import jdetr.train.TrainData;

/**
 * The data stage: serves batch {@code {epoch, step}} of the train split on
 * {@code jdetr.data.batch} as a binary {@link BatchCodec} message. Deployed as a worker; its
 * config holds the run's recipe under {@code recipe}. A request whose recipe fingerprint differs
 * from this node's ({@link RecipeFingerprint}: batch size, seed, augmentation, train annotations)
 * is refused with {@link #RECIPE_MISMATCH}, naming both.
 */
public final class DataVerticle extends VerticleBase {
  /** Failure code of a batch that could not be prepared. */
  public static final int BATCH_FAILED = 500;

  /** Failure code of a request made for another recipe or dataset. */
  public static final int RECIPE_MISMATCH = 409;

  private TrainData data;
  private String fingerprint;

  @Override
  public Future<?> start() {
    JsonObject recipe = config().getJsonObject("recipe");
    if (recipe == null) {
      return Future.failedFuture(new IllegalArgumentException("DataVerticle config has no 'recipe'"
          + " (jdetr train passes the run's recipe; jdetr node --role data needs a RECIPE argument)"));
    }
    try {
      TrainConfig c = TrainConfig.fromStored(recipe.encode());
      CocoPaths[] splits = TrainData.openOrGenerate(c.data());
      data = new TrainData(CocoDataset.open(splits[0]).withMasks(c.model().masks()),
          new TrainTransform(c.augmentation()),
          c.batchSize(), c.seed());
      fingerprint = RecipeFingerprint.of(c, splits[0]);
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
    return vertx.eventBus().<JsonObject>consumer(Addresses.DATA_BATCH, this::serve).completion();
  }

  private void serve(Message<JsonObject> message) {
    int epoch = message.body().getInteger("epoch", -1);
    int step = message.body().getInteger("step", -1);
    String wanted = message.body().getString("recipe");
    if (!fingerprint.equals(wanted)) {
      message.fail(RECIPE_MISMATCH, "data node " + Responder.ID + " refuses batch " + step
          + " of epoch " + epoch + ": the trainer's recipe is "
          + RecipeFingerprint.shortForm(wanted) + ", this node's is "
          + RecipeFingerprint.shortForm(fingerprint) + " (batch_size, seed, augmentation or the"
          + " train annotations differ): start every node with the same recipe and dataset");
      return;
    }
    try {
      message.reply(Buffer.buffer(BatchCodec.encode(data.batch(epoch, step))),
          Responder.replyOptions());
    } catch (RuntimeException e) {
      message.fail(BATCH_FAILED, "batch " + step + " of epoch " + epoch + ": " + e.getMessage());
    }
  }
}
