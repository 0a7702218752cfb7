package jdetr.cli;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import jdetr.testing.ChildJvm;

/**
 * The JSON event lines a {@code jdetr node} prints: ready, membership changes, and for a trainer
 * one per step, then finished or failed.
 */
final class NodeEvents {
  private final ChildJvm node;
  private final List<JsonObject> steps = new ArrayList<>();
  private JsonObject ready;
  private int members;
  private JsonObject end;

  NodeEvents(ChildJvm node) {
    this.node = node;
  }

  ChildJvm node() {
    return node;
  }

  JsonObject awaitReady(Duration cap) throws InterruptedException {
    await(() -> ready != null, "ready", cap);
    return ready;
  }

  /** Waits until the node reports exactly {@code n} cluster members. */
  void awaitMembers(int n, Duration cap) throws InterruptedException {
    await(() -> ready != null && members == n, n + " members (now " + members + ")", cap);
  }

  /** Waits until a step event with global step >= {@code step} has been read; fails if the run ends first. */
  JsonObject awaitStep(long step, Duration cap) throws InterruptedException {
    await(() -> end != null || (!steps.isEmpty() && last().getLong("step") >= step), "step " + step, cap);
    if (steps.isEmpty() || last().getLong("step") < step) {
      throw new AssertionError(node.name() + " ended before step " + step + ": " + end.encode());
    }
    return last();
  }

  /** Waits for the finished or failed event. */
  JsonObject awaitEnd(Duration cap) throws InterruptedException {
    await(() -> end != null, "the end of the run", cap);
    return end;
  }

  /** Reads every line printed so far. */
  void drain() {
    for (String l : node.drain()) {
      record(l);
    }
  }

  List<JsonObject> steps() {
    return steps;
  }

  JsonObject last() {
    return steps.get(steps.size() - 1);
  }

  /** Requests answered by {@code responder} according to a step or end event. */
  static long count(JsonObject event, String field, String responder) {
    return event.getJsonObject(field).getLong(responder, 0L);
  }

  private void await(BooleanSupplier done, String what, Duration cap) throws InterruptedException {
    drain();
    long deadline = System.nanoTime() + cap.toNanos();
    while (!done.getAsBoolean()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(node.name() + ": no " + what + " within " + cap + "; last step: "
            + (steps.isEmpty() ? "none" : last().encode()) + "; stderr: " + node.stderrTail());
      }
      record(node.awaitLine(l -> l.startsWith("{\"event\":"), Duration.ofNanos(left)));
    }
  }

  private void record(String line) {
    if (!line.startsWith("{\"event\":")) {
      return;
    }
    JsonObject e = new JsonObject(line);
    switch (e.getString("event")) {
      case "ready" -> {
        ready = e;
        members = Math.max(members, e.getInteger("members"));
      }
      case "members" -> members = e.getInteger("members");
      case "step" -> steps.add(e);
      case "finished", "failed" -> end = e;
      default -> { }
    }
  }
}
