package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jdetr.bus.Addresses;
import jdetr.bus.BusTls;
import jdetr.bus.BusTransport;
import jdetr.bus.Cluster;
import jdetr.bus.ClusterNode;
import jdetr.matcher.HungarianMatchSolver;
import jdetr.matcher.MatchReply;
import jdetr.matcher.MatchRequest;
import jdetr.matcher.RandomMatchRequests;
import jdetr.testing.ChildJvm;
import jdetr.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code jdetr node --role matcher --bus-tls} process: a member holding a certificate of the
 * cluster CA gets its matchings answered; a member without TLS and one with a certificate of
 * another CA (both in the Hazelcast member list, which has no TLS) cannot deliver a request; raw
 * sockets without a certificate, with another CA's, and without TLS are closed without an answer;
 * a certified socket that announces a 1 GiB frame is cut off after its header, the node's heap
 * stays small and it keeps answering.
 */
class BusSecurityTest {
  private static final String DESCRIPTOR = """
      {"name": "matcher", "verticle": "jdetr.verticles.MatcherVerticle", "threadingModel": "WORKER",
       "instances": 1, "workerPool": {"name": "jdetr-matcher", "size": 1},
       "roles": ["matcher"], "config": {"solver": "jdetr.matcher.HungarianMatchSolver"}}
      """;

  @TempDir Path tmp;

  static <T> T await(Future<T> f, int seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void onlyCertifiedMembersDeliverAndLongFramesAreCutOff() throws Exception {
    TestCertificates cluster = TestCertificates.authority(tmp, "cluster-ca");
    TestCertificates other = TestCertificates.authority(tmp, "other-ca");
    Path nodeCert = cluster.issue("matcher");
    Path memberCert = cluster.issue("member");
    Path rogueCert = other.issue("rogue");
    Path descriptors = Files.createDirectories(tmp.resolve("verticles"));
    Files.writeString(descriptors.resolve("30-matcher.json"), DESCRIPTOR);
    String name = "jdetr-test-" + UUID.randomUUID();
    int busPort = freePort();
    int httpPort = freePort();
    try (ChildJvm node = ChildJvm.start("bus-tls-matcher", TestCluster.LOGS, TestCluster.HAZELCAST_JVM_ARGS,
        Main.class.getName(), List.of("node", "--role", "matcher", "--cluster", TestCluster.CLUSTER_XML.toString(),
            "--cluster-name", name, "--verticles", descriptors.toString(), "--host", "127.0.0.1",
            "--bus-port", Integer.toString(busPort), "--bus-tls", nodeCert.toString(),
            "--http-host", "127.0.0.1", "--http-port", Integer.toString(httpPort)))) {
      node.awaitLine(l -> l.startsWith("{\"event\":\"ready\""), Duration.ofSeconds(150));
      ClusterNode member = join(name, new BusTransport(0, BusTls.fromDirectory(memberCert),
          BusTransport.DEFAULT_MAX_FRAME_BYTES));
      ClusterNode plain = join(name, BusTransport.PLAIN);
      ClusterNode rogue = join(name, new BusTransport(0, BusTls.fromDirectory(rogueCert),
          BusTransport.DEFAULT_MAX_FRAME_BYTES));
      Vertx vertx = Vertx.vertx();
      try {
        NodeClusterTest.awaitMembers(member, 4, Duration.ofSeconds(60));
        Random rnd = new Random(5);
        MatchRequest r = RandomMatchRequests.randomRequest(rnd, 0, 0, 0, 20, 5, 3);
        assertThat(matchOnce(member, r)).as("the certified member's request").isEqualTo(new HungarianMatchSolver().solve(r));
        assertThat(matchOnce(plain, r)).as("a member without TLS").isNull();
        assertThat(matchOnce(rogue, r)).as("a member with a certificate of another CA").isNull();

        // raw sockets
        assertThat(rawSession(vertx, busPort, null, false, header(100))).as("plain TCP").isEqualTo(0);
        assertThat(rawSession(vertx, busPort, null, true, header(100))).as("TLS without a certificate").isEqualTo(0);
        assertThat(rawSession(vertx, busPort, rogueCert, true, header(100))).as("TLS, another CA").isEqualTo(0);
        assertThat(rawSession(vertx, busPort, memberCert, true, header(1 << 30))).as("a certified 1 GiB claim")
            .isEqualTo(0);
        TestCluster.awaitLog(node, "event-bus frame of 1073741824 bytes refused", 1, Duration.ofSeconds(10));

        assertThat(matchOnce(member, r)).as("still answering after the refused frame")
            .isEqualTo(new HungarianMatchSolver().solve(r));
        String metrics = NodeHealthTest.get("http://127.0.0.1:" + httpPort + "/metrics").body();
        double heap = metrics.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{area=\"heap\""))
            .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        assertThat(heap).as("the node's heap after the 1 GiB claim").isLessThan(256e6);
        String log = Files.readString(node.stderrFile());
        assertThat(log).doesNotContain("OutOfMemoryError");
        System.out.println(new JsonObject().put("test", "bus-tls").put("heapBytesAfterClaim", heap).encode());
      } finally {
        await(vertx.close(), 30);
        for (ClusterNode n : List.of(rogue, plain, member)) {
          await(n.close(), 60);
        }
      }
    }
  }

  private ClusterNode join(String name, BusTransport bus) throws Exception {
    return await(Cluster.join(new Cluster.JoinOptions(TestCluster.CLUSTER_XML, name, "127.0.0.1", null, bus)), 120);
  }

  /** The reply to one match request within 8 s, or null when none came. */
  private static MatchReply matchOnce(ClusterNode from, MatchRequest r) throws Exception {
    try {
      Message<MatchReply> m = await(from.vertx().eventBus().request(Addresses.MATCH, r,
          new DeliveryOptions().setSendTimeout(8_000)), 20);
      return m.body();
    } catch (java.util.concurrent.ExecutionException e) {
      return null;
    }
  }

  /** A frame header announcing {@code length} bytes. */
  private static Buffer header(int length) {
    return Buffer.buffer().appendInt(length);
  }

  /**
   * Connects to the bus port (TLS with an optional client certificate, or plain TCP), sends
   * {@code first} and then up to 64 MiB of zeros while the connection lasts; returns the bytes the
   * other side sent back before closing it (the event bus answers only pings, never here).
   */
  private static long rawSession(Vertx vertx, int port, Path cert, boolean tls, Buffer first) throws Exception {
    NetClientOptions o = new NetClientOptions().setConnectTimeout(5000);
    if (tls) {
      o.setSsl(true).setTrustAll(true).setHostnameVerificationAlgorithm("");
      if (cert != null) {
        o.setKeyCertOptions(BusTls.fromDirectory(cert).keyCert());
      }
    }
    AtomicLong received = new AtomicLong();
    AtomicLong sent = new AtomicLong();
    Promise<Boolean> connected = Promise.promise();
    Promise<Void> closed = Promise.promise();
    Buffer zeros = Buffer.buffer(new byte[1 << 20]);
    // connect from the event loop and install the handlers in the same task that sees the
    // connection: a refusal right after the handshake (a TLS 1.3 server rejects the client's
    // certificate after the client has finished) is then never missed
    vertx.getOrCreateContext().runOnContext(start -> vertx.createNetClient(o).connect(port, "127.0.0.1")
        .onComplete(c -> {
          if (c.failed()) {
            connected.complete(false); // refused during the handshake
            return;
          }
          NetSocket socket = c.result();
          socket.handler(b -> received.addAndGet(b.length()));
          socket.closeHandler(v -> closed.tryComplete());
          socket.exceptionHandler(e -> closed.tryComplete());
          socket.write(first);
          vertx.setPeriodic(20, id -> {
            if (closed.future().isComplete() || sent.get() >= 64 << 20) {
              vertx.cancelTimer(id);
            } else if (!socket.writeQueueFull()) {
              socket.write(zeros);
              sent.addAndGet(zeros.length());
            }
          });
          connected.complete(true);
        }));
    if (!await(connected.future(), 20)) {
      return 0;
    }
    await(closed.future(), 30);
    assertThat(sent.get()).as("bytes sent before the connection was closed").isLessThan(64L << 20);
    return received.get();
  }

  private static int freePort() throws Exception {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
