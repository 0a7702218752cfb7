package jdetr.train;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import jdetr.bus.CreditedRequester;
import jdetr.engine.MatchingSource;
import jdetr.loss.Matching;
import jdetr.matcher.HungarianMatcher;
import jdetr.matcher.MatchInput;
import jdetr.matcher.MatchReply;
import jdetr.matcher.MatchRequest;
import jdetr.matcher.MatcherConfig;

/**
 * Matchings from the matcher stages over the event bus: one {@link MatchRequest} per (image,
 * decoder layer) unit, sent through a {@link CreditedRequester} (bounded in flight, retried, local
 * fallback when no matcher answers). The trainer thread only waits on the returned future.
 */
public final class BusMatchingSource implements MatchingSource {

  private final CreditedRequester<MatchRequest, MatchReply> requester;
  private final MatcherConfig matcher;

  public BusMatchingSource(CreditedRequester<MatchRequest, MatchReply> requester, MatcherConfig config) {
    this.requester = requester;
    this.matcher = config;
  }

  @Override
  public CompletableFuture<List<List<Matching>>> match(long step, List<MatchInput> units, int batch) {
    List<Future<MatchReply>> replies = new ArrayList<>(units.size());
    for (int k = 0; k < units.size(); k++) {
      MatchInput u = units.get(k);
      replies.add(requester.request(new MatchRequest(step, k % batch, k / batch, matcher,
          u.numQueries(), u.numClasses(), u.logits(), u.boxes(), u.labels(), u.targetBoxes())));
    }
    return Future.all(replies).toCompletionStage().toCompletableFuture().thenApply(all -> {
      List<Matching> flat = new ArrayList<>(units.size());
      for (Future<MatchReply> f : replies) {
        MatchReply r = f.result();
        flat.add(new Matching(r.queryIndices(), r.targetIndices()));
      }
      return HungarianMatcher.byLayer(flat, batch);
    });
  }
}
