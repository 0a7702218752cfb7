package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import jdetr.bus.Addresses;
import jdetr.bus.Cluster;
import jdetr.bus.Responder;
import jdetr.data.Batch;
import jdetr.data.BatchCodec;
import jdetr.data.CocoPaths;
import jdetr.data.SynthConfig;
import jdetr.data.SyntheticDataset;
import jdetr.train.BusBatchSource;
import jdetr.train.RecipeFingerprint;
import jdetr.train.TrainConfig;
import jdetr.train.TrainData;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data stage serves a batch only to a trainer with its recipe: same batch size, seed,
 * augmentation and train annotations ({@link RecipeFingerprint}); anything else is refused with an
 * error naming both, and a trainer started with another recipe stops with that error.
 */
class DataVerticleTest {

  static TrainConfig recipe(Path root, Path out, String... more) {
    List<String> sets = new java.util.ArrayList<>(List.of("model.backbone=resnet18",
        "model.hidden_dim=32", "model.nheads=4", "model.enc_layers=1", "model.dec_layers=1",
        "model.dim_feedforward=64", "model.num_queries=6", "batch_size=2", "epochs=1",
        "data.root=" + root, "augmentation.scales=[48, 64]", "augmentation.max_size=80",
        "augmentation.crop_resize_sizes=[48, 56]", "augmentation.crop_min_size=32",
        "augmentation.crop_max_size=48", "augmentation.val_size=64", "output_dir=" + out));
    sets.addAll(List.of(more));
    return TrainConfig.resolve(new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode(),
        sets, "test");
  }

  static JsonObject json(TrainConfig c) {
    return new JsonObject(c.toJson().toString());
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void servesItsRecipeAndRefusesAnother(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("shapes");
    SyntheticDataset.write(root, new SynthConfig(6, 2, 64, 5, 2, "jpg", 0, 0, 1, 3), false);
    TrainConfig mine = recipe(root, tmp.resolve("out"));
    TrainConfig other = recipe(root, tmp.resolve("out"), "seed=43");
    CocoPaths train = CocoPaths.resolve(root, "train");
    String fingerprint = RecipeFingerprint.of(mine, train);
    assertThat(RecipeFingerprint.of(recipe(root, tmp.resolve("elsewhere")), train))
        .as("the output directory is not part of it").isEqualTo(fingerprint);
    assertThat(RecipeFingerprint.of(other, train)).isNotEqualTo(fingerprint);
    assertThat(RecipeFingerprint.of(recipe(root, tmp.resolve("out"), "batch_size=3"), train))
        .isNotEqualTo(fingerprint);

    Vertx vertx = Cluster.local();
    try {
      await(vertx.deployVerticle(DataVerticle.class.getName(), new DeploymentOptions()
          .setThreadingModel(ThreadingModel.WORKER).setConfig(new JsonObject().put("recipe", json(mine)))));
      Message<Buffer> ok = await(vertx.eventBus().request(Addresses.DATA_BATCH,
          BusBatchSource.request(0, 1, fingerprint), new DeliveryOptions().setSendTimeout(30_000)));
      Batch batch = BatchCodec.decode(ok.body().getBytes());
      Batch local = new TrainData(jdetr.data.CocoDataset.open(train),
          new jdetr.data.transforms.TrainTransform(mine.augmentation()), 2, mine.seed()).batch(0, 1);
      assertThat(batch.pixels()).isEqualTo(local.pixels());
      assertThat(ok.headers().get(Responder.HEADER)).isEqualTo(Responder.ID);

      String theirs = RecipeFingerprint.of(other, train);
      ExecutionException refused = Assertions.catchThrowableOfType(ExecutionException.class,
          () -> await(vertx.eventBus().request(Addresses.DATA_BATCH,
              BusBatchSource.request(0, 1, theirs))));
      ReplyException reply = (ReplyException) refused.getCause();
      assertThat(reply.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
      assertThat(reply.failureCode()).isEqualTo(DataVerticle.RECIPE_MISMATCH);
      assertThat(reply.getMessage()).contains("refuses batch 1 of epoch 0",
          "the trainer's recipe is " + theirs.substring(0, 12),
          "this node's is " + fingerprint.substring(0, 12),
          "start every node with the same recipe and dataset");

      // A trainer started with the other recipe stops with that error instead of training.
      CompletableFuture<JsonObject> end = new CompletableFuture<>();
      await(vertx.eventBus().<JsonObject>consumer(Addresses.PIPELINE_EVENTS,
          m -> end.complete(m.body())).completion());
      await(vertx.deployVerticle(TrainerVerticle.class.getName(), new DeploymentOptions()
          .setThreadingModel(ThreadingModel.WORKER).setConfig(new JsonObject()
              .put("recipe", json(other)).put("timeoutSeconds", 30))));
      JsonObject event = end.get(120, TimeUnit.SECONDS);
      assertThat(event.getString("event")).isEqualTo("failed");
      assertThat(event.getString("message")).contains("refuses batch 0 of epoch 0",
          "start every node with the same recipe and dataset");
    } finally {
      await(vertx.close());
    }
  }
}
