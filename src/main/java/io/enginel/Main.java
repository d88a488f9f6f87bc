package io.enginel;

import io.enginel.config.ConfigException;
import io.enginel.config.ConfigLoader;
import io.enginel.config.EnginelConfig;
import io.enginel.repository.PgSetup;
import io.enginel.repository.WorkloadSeeder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar enginel.jar [serve | seed | migrate]}: serve the API (the default), load the benchmark
 * data set of {@code shared/bench/WORKLOAD.md}, or only run the schema migrations.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    String command = args.length == 0 ? "serve" : args[0];
    EnginelConfig config;
    try {
      config = ConfigLoader.load();
    } catch (ConfigException e) {
      System.err.println("enginel: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    try {
      switch (command) {
        case "serve" -> serve(config);
        case "seed" -> runOnce(config, true);
        case "migrate" -> runOnce(config, false);
        default -> {
          System.err.println("usage: java -jar enginel.jar [serve | seed | migrate]");
          System.exit(2);
        }
      }
    } catch (Exception e) {
      LOG.error("enginel {} failed: {}", command, e.getMessage(), e);
      System.exit(1);
    }
  }

  private static void serve(EnginelConfig configured) throws Exception {
    EmbeddedServices embedded = EmbeddedServices.startIfNeeded(configured);
    EnginelConfig config = embedded.config();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Clustering.vertx(config,
            new VertxOptions().setEventLoopPoolSize(config.vertx().effectiveEventLoops())
                .setWorkerPoolSize(config.vertx().workerPoolSize())
                .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(config.vertx().metrics()).setJvmMetricsEnabled(true)),
            Vertx.builder().withMetrics(new MicrometerMetricsFactory(registry)))
        .await(60, TimeUnit.SECONDS);
    if (vertx.isClustered()) {
      LOG.info("joined the cluster '{}' as {}:{} ({})", config.cluster().name(), config.cluster().host(),
          config.cluster().port(), Clustering.status(vertx).getInteger("members") + " member(s)");
    }
    CountDownLatch started = new CountDownLatch(1);
    EnginelServer[] server = new EnginelServer[1];
    Throwable[] failure = new Throwable[1];
    EnginelServer.start(vertx, config, registry).onComplete(ar -> {
      server[0] = ar.result();
      failure[0] = ar.cause();
      started.countDown();
    });
    started.await();
    if (failure[0] != null) {
      LOG.error("Enginel did not start: {}", failure[0].getMessage());
      vertx.close().await(10, TimeUnit.SECONDS);
      embedded.close();
      System.exit(1);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("shutting down");
      try {
        server[0].stop().compose(v -> vertx.close()).await(15, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("shutdown: {}", e.getMessage());
      }
      embedded.close();
    }, "enginel-shutdown"));
  }

  /** {@code seed} and {@code migrate}: run, report, stop (embedded services included). */
  private static void runOnce(EnginelConfig configured, boolean seed) throws Exception {
    try (EmbeddedServices embedded = EmbeddedServices.startIfNeeded(configured)) {
      EnginelConfig config = embedded.config();
      PgSetup.migrate(config.pg());
      if (seed) {
        Vertx vertx = Vertx.vertx();
        try {
          WorkloadSeeder.Report report = WorkloadSeeder.seed(vertx, config).await(10, TimeUnit.MINUTES);
          System.out.println(report);
        } finally {
          vertx.close().await(10, TimeUnit.SECONDS);
        }
      }
    }
  }
}
