package jdetr.matcher;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jdetr.bus.MatchReply;
import jdetr.bus.MatchRequest;
import jdetr.bus.MatchSolver;
import jdetr.loss.Matching;

/**
 * The matcher stage's solver: a {@link MatchRequest} off the event bus, solved by
 * {@link HungarianMatcher} with the costs and class loss the request carries. One matcher is kept
 * per distinct configuration (so its per-thread workspaces are reused). Thread-safe.
 */
public final class HungarianMatchSolver implements MatchSolver {
  private final Map<MatcherConfig, HungarianMatcher> matchers = new ConcurrentHashMap<>();

  @Override
  public MatchReply solve(MatchRequest r) {
    MatcherConfig config = new MatcherConfig(r.costs().classCost(), r.costs().bboxCost(),
        r.costs().giouCost(), r.classLoss());
    HungarianMatcher matcher = matchers.computeIfAbsent(config, HungarianMatcher::new);
    Matching m = matcher.match(new MatchInput(r.logits(), r.boxes(), r.targetLabels(), r.targetBoxes()));
    return new MatchReply(r.step(), r.image(), r.layer(), m.queryIdx(), m.targetIdx());
  }
}
