package jdetr.matcher;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jdetr.loss.Matching;

/**
 * The matcher stage's solver: a {@link MatchRequest} off the event bus, solved by
 * {@link HungarianMatcher} with the matcher configuration the request carries. One matcher is kept
 * per distinct configuration (so its per-thread workspaces are reused). Thread-safe.
 */
public final class HungarianMatchSolver implements MatchSolver {
  private final Map<MatcherConfig, HungarianMatcher> matchers = new ConcurrentHashMap<>();

  @Override
  public MatchReply solve(MatchRequest r) {
    HungarianMatcher matcher = matchers.computeIfAbsent(r.matcher(), HungarianMatcher::new);
    Matching m = matcher.match(new MatchInput(r.logits(), r.boxes(), r.targetLabels(), r.targetBoxes()));
    return new MatchReply(r.step(), r.image(), r.layer(), m.queryIdx(), m.targetIdx());
  }
}
