package jdetr.train;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import jdetr.bus.CreditedRequester;
import jdetr.data.Batch;
import jdetr.data.BatchCodec;

/**
 * Batches from the data stage: a request {@code {epoch, step}} to {@code jdetr.data.batch}, the
 * reply the compact binary batch of {@link BatchCodec}. The credited requester bounds how many
 * batches are prepared ahead.
 */
public final class BusBatchSource implements BatchSource {
  private final CreditedRequester<JsonObject, Buffer> requester;

  public BusBatchSource(CreditedRequester<JsonObject, Buffer> requester) {
    this.requester = requester;
  }

  @Override
  public CompletableFuture<Batch> batch(int epoch, int step) {
    return requester.request(new JsonObject().put("epoch", epoch).put("step", step))
        .toCompletionStage().toCompletableFuture()
        .thenApply(buffer -> BatchCodec.decode(buffer.getBytes()));
  }
}
