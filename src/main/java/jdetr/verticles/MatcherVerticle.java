package jdetr.verticles;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import jdetr.bus.Addresses;
import jdetr.bus.Responder;
import jdetr.matcher.MatchReply;
import jdetr.matcher.MatchRequest;
import jdetr.matcher.MatchSolver;

/**
 * Serves matching units on {@link Addresses#MATCH}. Deployed as worker instances on any node; each
 * instance solves one unit at a time on its worker thread. The solver class is named by the
 * {@code solver} config field (a {@link MatchSolver} with a public no-argument constructor).
 *
 * <p>A unit the solver rejects (for example a non-finite cost) is answered with a failure whose
 * message names the step, image and layer; the requester does not retry it.
 */
public final class MatcherVerticle extends VerticleBase {
  /** Failure code of a unit the solver rejected. */
  public static final int SOLVER_FAILED = 500;

  /** Reply header naming the process that solved the unit ({@code pid@host}), for tracing. */
  public static final String RESPONDER_HEADER = Responder.HEADER;

  private MatchSolver solver;

  @Override
  public Future<?> start() {
    try {
      solver = instantiate(config().getString("solver"));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    return vertx.eventBus().<MatchRequest>consumer(Addresses.MATCH, this::solve).completion();
  }

  private void solve(Message<MatchRequest> message) {
    MatchRequest request = message.body();
    MatchReply reply;
    try {
      reply = solver.solve(request);
    } catch (RuntimeException e) {
      message.fail(SOLVER_FAILED, request + ": " + e.getMessage());
      return;
    }
    if (!reply.answers(request)) {
      message.fail(SOLVER_FAILED, request + ": solver answered " + reply);
      return;
    }
    message.reply(reply, Responder.replyOptions());
  }

  static MatchSolver instantiate(String className) {
    if (className == null || className.isBlank()) {
      throw new IllegalArgumentException("MatcherVerticle config has no 'solver' (a class implementing "
          + MatchSolver.class.getName() + ")");
    }
    try {
      Class<?> type = Class.forName(className);
      if (!MatchSolver.class.isAssignableFrom(type)) {
        throw new IllegalArgumentException("solver " + className + " does not implement "
            + MatchSolver.class.getName());
      }
      return (MatchSolver) type.getConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("cannot create solver " + className + ": " + e, e);
    }
  }
}
