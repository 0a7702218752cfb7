package jdetr.verticles;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops Micrometer's "This Gauge has been already registered" message for Vert.x's own gauges
 * (names starting with "vertx."), installed in logback.xml.
 *
 * <p>Vert.x Micrometer Metrics 5.0 registers the gauge of a connection count again for every new
 * connection (vertx.http.server.active.connections, vertx.pool.queue.pending …) and keeps the
 * counter behind it itself, so the value is right; Micrometer 1.15 logs every such re-registration,
 * the first at WARN (vert-x3/vertx-micrometer-metrics#259, micrometer-metrics/micrometer#6931). The
 * message is dropped for those gauges only: a gauge of this project registered twice is a bug and
 * is still logged.
 */
public final class VertxGaugeLogFilter extends TurboFilter {

  static final String MICROMETER_REGISTRY = "io.micrometer.core.instrument.MeterRegistry";
  static final String VERTX_GAUGE_AGAIN = "This Gauge has been already registered (MeterId{name='vertx.";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
      Throwable t) {
    if (format != null && format.startsWith(VERTX_GAUGE_AGAIN) && MICROMETER_REGISTRY.equals(logger.getName())) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }
}
