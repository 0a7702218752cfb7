package jdetr.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * What a {@code jdetr node} shows its platform: the probe and metrics port
 * ({@link jdetr.verticles.NodeHealthServer}) and the log format.
 */
final class NodeHttpOptions {
  // Not a fixed default: several nodes of one machine (README, tests) would take the same port.
  @Option(names = "--http-port", defaultValue = "0",
      description = "Port of /health/live, /health/ready and /metrics (default: any free port, printed in the ready line).")
  int httpPort;

  @Option(names = "--no-http", description = "Serve no health or metrics endpoints.")
  boolean noHttp;

  @Option(names = "--http-host", defaultValue = "0.0.0.0",
      description = "Address the health and metrics server binds (default: ${DEFAULT-VALUE}).")
  String httpHost;

  @Option(names = "--log-json", description = "Log one JSON object per line on stderr.")
  boolean logJson;

  /** Switches logging to JSON lines when asked; call before anything logs. */
  void configureLogging() {
    if (!logJson || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    URL config = NodeHttpOptions.class.getResource("/logback-json.xml");
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(config);
    } catch (JoranException e) {
      throw new IllegalStateException("cannot read logback-json.xml: " + e.getMessage(), e);
    }
  }
}
