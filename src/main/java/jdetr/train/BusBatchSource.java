package jdetr.train;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import jdetr.bus.CreditedRequester;
import jdetr.data.Batch;
import jdetr.data.BatchCodec;

/**
 * Batches from the data stage: a request {@code {epoch, step, recipe}} to {@code jdetr.data.batch}
 * ({@code recipe}: the {@link RecipeFingerprint} the data node must share), the reply the compact
 * binary batch of {@link BatchCodec}. The credited requester bounds how many batches are prepared
 * ahead.
 */
public final class BusBatchSource implements BatchSource {
  private final CreditedRequester<JsonObject, Buffer> requester;
  private final String fingerprint;

  public BusBatchSource(CreditedRequester<JsonObject, Buffer> requester, String fingerprint) {
    this.requester = requester;
    this.fingerprint = fingerprint;
  }

  /** The request for batch {@code step} of {@code epoch}. */
  public static JsonObject request(int epoch, int step, String fingerprint) {
    return new JsonObject().put("epoch", epoch).put("step", step).put("recipe", fingerprint);
  }

  @Override
  public CompletableFuture<Batch> batch(int epoch, int step) {
    return requester.request(request(epoch, step, fingerprint))
        .toCompletionStage().toCompletableFuture()
        .thenApply(buffer -> BatchCodec.decode(buffer.getBytes()));
  }
}
