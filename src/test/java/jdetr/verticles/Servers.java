package jdetr.verticles;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdetr.serve.DetectorChoice;
import jdetr.serve.ServeConfig;
import jdetr.serve.ShapesScene;

/** Test servers (colour-threshold detector on real decoded frames) and test frames. */
final class Servers {

  private Servers() {}

  /**
   * A server of the repository's stage descriptors on a free loopback port with the given JSON
   * overrides, the colour-threshold detector loaded.
   */
  static DetectionServer start(String overridesJson) throws Exception {
    return start(overridesJson, DetectorChoice.shapesThreshold());
  }

  /** A server with another detector. */
  static DetectionServer start(String overridesJson, DetectorChoice detector) throws Exception {
    DetectionServer server = DetectionServer.start(config(overridesJson), detector);
    server.loaded().get(60, TimeUnit.SECONDS);
    return server;
  }

  /** Test settings (loopback, free port, threshold 0.5) with JSON overrides. */
  static ServeConfig config(String overridesJson) throws Exception {
    return ServeConfig.defaults()
        .with(new ObjectMapper().readTree("{\"host\":\"127.0.0.1\",\"port\":0,\"threshold\":0.5}"), "test")
        .with(new ObjectMapper().readTree(overridesJson), "test");
  }

  /** JPEG frames of 4 still shapes. */
  static List<byte[]> frames(int count, int width, int height) {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      frames.add(ShapesScene.jpeg(ShapesScene.random(500 + i, width, height, 4, 0).render(0), 0.85f));
    }
    return frames;
  }

  /** A counter's value from the server's registry (0 if absent). */
  static double counter(DetectionServer server, String name, String... tags) {
    var c = server.registry().find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  /** Heap in use after a GC, in bytes. */
  static long usedHeapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
