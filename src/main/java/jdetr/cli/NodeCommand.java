package jdetr.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import jdetr.bus.BusTransport;
import jdetr.bus.Cluster;
import jdetr.bus.ClusterNode;
import jdetr.train.TrainConfig;
import jdetr.verticles.NodeHealthServer;
import jdetr.verticles.NodeLifecycle;
import jdetr.verticles.StageDeployer;
import jdetr.verticles.StageDescriptor;
import jdetr.verticles.StageDescriptors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jdetr node --role <role> --cluster <cluster.xml> [RECIPE] [--set k=v]}: joins the
 * Hazelcast cluster and deploys the stage descriptors of one role, each given the recipe (the data
 * and trainer stages need it). Prints one JSON line when ready and one per membership change
 * ({@code {"event":"members",…}}). A trainer node also prints one per step
 * ({@code {"event":"step",…}}) and one when the run ends, then leaves the cluster and exits (0 when
 * finished, 1 when failed); other roles run until SIGTERM (graceful: undeploy, leave the cluster).
 * On SIGTERM or SIGINT a trainer stops before its next step and prints where it stopped
 * ({@code {"event":"stopped",…}}); the JVM exits once no stage is inside libtorch
 * ({@link jdetr.engine.TorchWork}).
 */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Join a cluster and deploy the pipeline stages of one role.")
final class NodeCommand implements Callable<Integer> {
  /** Roles that read the dataset: they check it before joining. */
  private static final Set<String> CHECKS_DATA = Set.of("train", "trainer", "data");

  @Option(names = "--skip-validation", description = "Trainer and data nodes: join without checking"
      + " the dataset first (errors otherwise end the node with exit code 2 before it joins).")
  boolean skipValidation;

  @Option(names = "--role", required = true,
      description = "Stages to deploy: trainer, data, matcher, eval or serve (train = all in one JVM).")
  String role;

  @Parameters(index = "0", arity = "0..1", paramLabel = "RECIPE",
      description = "Recipe JSON of the run (trainer and data nodes; every node of a run must use the same).")
  Path recipe;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a recipe value, dotted keys.")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, cuda or cuda:N: the device of this"
      + " node's trainer and eval stages (the recipe key device; default cpu).")
  String device;

  @Option(names = "--resume", description = "Trainer: continue from the newest good checkpoint.")
  boolean resume;

  @Option(names = "--eval-wait", paramLabel = "SECONDS",
      description = "Trainer: how long the end of the run waits for the evaluation of its last"
          + " checkpoints (default: the trainer descriptor's evalWaitSeconds, 600); 0 ends without"
          + " it (evaluate later with jdetr eval --checkpoint DIR).")
  Long evalWait;

  @Option(names = "--cluster", defaultValue = "conf/cluster.xml",
      description = "Hazelcast configuration (default: ${DEFAULT-VALUE}).")
  Path clusterXml;

  @Option(names = "--cluster-name", description = "Overrides the cluster name of the configuration.")
  String clusterName;

  @Option(names = "--verticles", defaultValue = "verticles",
      description = "Directory of stage descriptors (default: ${DEFAULT-VALUE}; the copies in the jar when it is absent).")
  Path verticlesDir;

  @Option(names = "--host", description = "Event-bus host to bind and advertise (default: the cluster address).")
  String host;

  @Mixin NodeHttpOptions http = new NodeHttpOptions();

  @Mixin NodeBusOptions bus = new NodeBusOptions();

  private ClusterNode node;
  private NodeHealthServer health;
  private volatile List<StageDeployer.Deployed> deployed;
  private NodeLifecycle lifecycle;

  @Override
  public Integer call() throws Exception {
    List<StageDescriptor> deploy;
    BusTransport transport;
    TrainConfig run = null;
    try {
      transport = bus.transport();
      List<StageDescriptor> all = StageDescriptors.load(verticlesDir);
      StageDescriptors.forRole(all, role); // an unknown role is named before the recipe is read
      if (recipe != null) {
        if (device != null) {
          overrides.add("device=" + device);
        }
        run = TrainConfig.load(recipe, overrides);
        run.device().requireAvailable();
      } else if (!overrides.isEmpty() || resume) {
        throw new IllegalArgumentException("--set and --resume need a RECIPE");
      } else if (device != null) {
        throw new IllegalArgumentException("--device needs a RECIPE");
      }
      if (evalWait != null && evalWait < 0) {
        throw new IllegalArgumentException("--eval-wait must be 0 or more seconds, got " + evalWait);
      }
      deploy = StageDescriptors.forRun(all, role, run, resume);
      if (evalWait != null) {
        JsonObject wait = new JsonObject().put("evalWaitSeconds", evalWait);
        deploy = deploy.stream()
            .map(d -> StageDescriptors.isTrainer(d) ? d.withConfig(wait) : d).toList();
      }
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("jdetr node: " + e.getMessage());
      return 2;
    }
    if (run != null && CHECKS_DATA.contains(role) && !skipValidation
        && !PreFlight.passes(run, "jdetr node")) {
      return 2;
    }
    http.configureLogging();
    long start = System.nanoTime();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    node = Cluster.join(new Cluster.JoinOptions(clusterXml, clusterName, host, registry, transport))
        .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    long joined = System.nanoTime();
    if (!http.noHttp) {
      health = NodeHealthServer.start(node.vertx(), registry, http.httpHost, http.httpPort,
              () -> node.members().contains(node.nodeId()), () -> deployed != null)
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    lifecycle = new NodeLifecycle(node, () -> deployed);
    lifecycle.printMembershipChanges();
    CompletableFuture<Integer> ended = new CompletableFuture<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      lifecycle.leave();
      ended.complete(0);
    }, "jdetr-node-shutdown"));

    // A trainer on this node reports its steps and its end here.
    lifecycle.endOnPipelineEvents(health, ended)
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

    try {
      deployed = StageDeployer.deploy(node.vertx(), deploy)
          .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      System.err.println("jdetr node: " + e.getCause().getMessage());
      lifecycle.leave();
      return 1;
    }
    NodeLifecycle.printLine(new JsonObject()
        .put("event", "ready")
        .put("role", role)
        .put("node", node.nodeId())
        .put("pid", ProcessHandle.current().pid())
        .put("members", node.members().size())
        .put("httpPort", health == null ? 0 : health.port())
        .put("stages", new JsonArray(deployed.stream().map(d -> d.stage().name()).toList()))
        .put("joinMs", (joined - start) / 1_000_000)
        .put("deployMs", (System.nanoTime() - joined) / 1_000_000));
    int code = ended.get();
    lifecycle.leave();
    return code;
  }
}
