package jdetr.matcher;

/**
 * Solves one matching unit. The matcher stage serves it on the event bus; the trainer
 * uses the same solver locally when no matcher answers. Implementations are pure and thread-safe.
 */
@FunctionalInterface
public interface MatchSolver {
  MatchReply solve(MatchRequest request);
}
