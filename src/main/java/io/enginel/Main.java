package io.enginel;

import io.enginel.config.ConfigLoader;
import io.enginel.config.EnginelConfig;
import io.enginel.repository.PgSetup;
import io.enginel.repository.WorkloadSeeder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar enginel.jar [serve | seed [--scale N] | migrate] [--verbose]}: serve the API (the default), load
 * the benchmark data set of {@code shared/bench/WORKLOAD.md}, or only run the schema migrations. A command that
 * cannot run prints one line on standard error saying why and what to do ({@link CannotRun}) and exits with a
 * status other than 0; its stack trace only with {@code --verbose}.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    CommandLine line;
    try {
      line = CommandLine.parse(args);
    } catch (CannotRun e) {
      System.exit(fail(e, false));
      return;
    }
    if (line.help()) {
      System.out.println("usage: " + CommandLine.USAGE);
      return;
    }
    int status = run(line);
    if (status != 0 || !line.command().equals("serve")) {
      System.exit(status); // seed and migrate are done; nothing of theirs is left to wait for
    }
  }

  /** Runs the command; 0 when it is done (seed, migrate) or serving (serve), else the exit status. */
  static int run(CommandLine line) {
    EnginelConfig[] config = new EnginelConfig[1];
    try {
      config[0] = ConfigLoader.load();
      if (line.command().equals("serve")) {
        serve(config);
      } else {
        runOnce(config, line);
      }
      return 0;
    } catch (Throwable e) {
      return fail(CannotRun.explain(e, line.command(), config[0]), line.verbose());
    }
  }

  private static int fail(CannotRun e, boolean verbose) {
    System.out.flush();
    System.err.println("enginel: " + e.getMessage());
    if (verbose) {
      (e.getCause() != null ? e.getCause() : e).printStackTrace();
    }
    return e.status();
  }

  /** {@code config[0]} follows what the command uses (embedded services plugged in), for the failure's line. */
  private static void serve(EnginelConfig[] config) throws Exception {
    StartChecks.httpPortFree(config[0]);
    if (config[0].pg().configured()) {
      StartChecks.postgresAnswers(config[0].pg());
    }
    EmbeddedServices embedded = EmbeddedServices.forServer(config[0]);
    config[0] = embedded.config();
    EnginelConfig c = config[0];
    Vertx vertx = null;
    EnginelServer server;
    try {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      vertx = Clustering.vertx(c,
              new VertxOptions().setEventLoopPoolSize(c.vertx().effectiveEventLoops())
                  .setWorkerPoolSize(c.vertx().workerPoolSize())
                  .setMetricsOptions(metricsOptions(c)),
              Vertx.builder().withMetrics(new MicrometerMetricsFactory(registry)))
          .await(60, TimeUnit.SECONDS);
      if (vertx.isClustered()) {
        log().info("joined the cluster '{}' as {}:{} ({})", c.cluster().name(), c.cluster().host(),
            c.cluster().port(), Clustering.status(vertx).getInteger("members") + " member(s)");
      }
      server = EnginelServer.start(vertx, c, registry).await(10, TimeUnit.MINUTES);
    } catch (Exception e) {
      if (vertx != null) {
        vertx.close().await(10, TimeUnit.SECONDS);
      }
      embedded.close();
      throw e;
    }
    Vertx started = vertx;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log().info("shutting down");
      try {
        server.stop().compose(v -> started.close()).await(15, TimeUnit.SECONDS);
      } catch (Exception e) {
        log().warn("shutdown: {}", e.getMessage());
      }
      embedded.close();
    }, "enginel-shutdown"));
  }

  /** {@code seed} and {@code migrate}: run, report, stop (an embedded PostgreSQL of their own included). */
  private static void runOnce(EnginelConfig[] config, CommandLine line) throws Exception {
    if (config[0].pg().configured()) {
      StartChecks.postgresAnswers(config[0].pg());
    }
    try (EmbeddedServices embedded = EmbeddedServices.forCommand(config[0], line.command())) {
      config[0] = embedded.config();
      PgSetup.migrate(config[0].pg());
      if (line.command().equals("seed")) {
        Vertx vertx = Vertx.vertx();
        try {
          WorkloadSeeder.Report report = WorkloadSeeder.seed(vertx, config[0], line.scale(),
              ConsoleProgress.onStandardOutput()).await(10L * line.scale(), TimeUnit.MINUTES);
          System.out.println(report); // the last line: scripts keep it with tail -n 1
        } finally {
          vertx.close().await(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  /** Vert.x's own metrics into Enginel's registry; its per-request HTTP server metrics only when asked for. */
  private static MicrometerMetricsOptions metricsOptions(EnginelConfig c) {
    MicrometerMetricsOptions options = new MicrometerMetricsOptions().setEnabled(c.vertx().metrics())
        .setJvmMetricsEnabled(true);
    return c.vertx().httpServerMetrics() ? options : options.addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER);
  }

  /** Looked up when first used: nothing is logged before the command line and the configuration are known. */
  private static Logger log() {
    return LoggerFactory.getLogger(Main.class);
  }
}
