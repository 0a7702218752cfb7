package jdetr.engine;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import jdetr.loss.Matching;
import jdetr.matcher.HungarianMatcher;
import jdetr.matcher.MatchInput;

/**
 * Where a training step gets the Hungarian matchings of a micro-batch: the local matcher on the
 * calling thread, or matcher stages over the event bus. Matching is pure, so any source gives the
 * same answer for the same units.
 */
@FunctionalInterface
public interface MatchingSource {

  /**
   * Matches the units of one micro-batch.
   *
   * @param step the global training step (for tracing)
   * @param units layer-major units ({@link MatchInput#ofLayers}): unit {@code layer * batch + image}
   * @param batch images in the micro-batch
   * @return per decoder layer, per image (the shape {@link jdetr.loss.SetCriterion} takes)
   */
  CompletableFuture<List<List<Matching>>> match(long step, List<MatchInput> units, int batch);

  /** Matches on the calling thread with {@code matcher}; the future is already complete. */
  static MatchingSource local(HungarianMatcher matcher) {
    return (step, units, batch) -> {
      try {
        return CompletableFuture.completedFuture(
            HungarianMatcher.byLayer(matcher.matchAll(units), batch));
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    };
  }
}
