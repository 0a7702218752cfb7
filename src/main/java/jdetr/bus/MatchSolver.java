package jdetr.bus;

/**
 * Solves one matching unit. The matcher stage serves it on {@link Addresses#MATCH}; the trainer
 * uses the same solver locally when no matcher answers. Implementations are pure and thread-safe.
 */
@FunctionalInterface
public interface MatchSolver {
  MatchReply solve(MatchRequest request);
}
