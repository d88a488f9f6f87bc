package io.enginel.bench;

import io.enginel.cache.ValueCodec;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

/**
 * The reference the benchmark compares Enginel's hits with, run in the same session on the same machine: a
 * bare Vert.x server that answers every request with one Redis GET and the inflate of a stored page — all a
 * cache hit fundamentally needs, with no authentication, no routing, no permission check. {@code memory}
 * answers the page from memory instead (no Redis at all).
 *
 * <pre>java -cp target/test-classes:target/enginel.jar io.enginel.bench.CeilingServer port redis-uri page.json [redis|memory]</pre>
 */
public final class CeilingServer {
  static final String KEY = "enginel-ceiling:page";

  private CeilingServer() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String redisUri = args[1];
    byte[] page = Files.readAllBytes(Path.of(args[2]));
    boolean memory = args.length > 3 && args[3].equals("memory");
    Vertx vertx = Vertx.vertx();
    Redis setup = Redis.createClient(vertx, redisUri);
    setup.send(Request.cmd(Command.SET).arg(KEY).arg(Buffer.buffer(deflate(page)))).await(10, TimeUnit.SECONDS);
    setup.close();
    int instances = Runtime.getRuntime().availableProcessors();
    vertx.deployVerticle(() -> new Answerer(port, redisUri, page, memory), new DeploymentOptions().setInstances(instances))
        .await(10, TimeUnit.SECONDS);
    System.out.printf("ceiling server on %d (%s), page %d bytes%n", port, memory ? "memory" : "redis", page.length);
  }

  static final class Answerer extends VerticleBase {
    private final int port;
    private final String redisUri;
    private final byte[] page;
    private final boolean memory;
    private Redis redis;

    Answerer(int port, String redisUri, byte[] page, boolean memory) {
      this.port = port;
      this.redisUri = redisUri;
      this.page = page;
      this.memory = memory;
    }

    @Override
    public Future<?> start() {
      redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(redisUri).setMaxPoolSize(32)
          .setMaxPoolWaiting(1024));
      Buffer inMemory = Buffer.buffer(page);
      HttpServer server = vertx.createHttpServer().requestHandler(req -> {
        if (memory) {
          req.response().putHeader("Content-Type", "application/json").end(inMemory);
          return;
        }
        redis.send(Request.cmd(Command.GET).arg(KEY)).onComplete(ar -> {
          if (ar.failed() || ar.result() == null) {
            req.response().setStatusCode(503).end();
            return;
          }
          req.response().putHeader("Content-Type", "application/json")
              .end(Buffer.buffer(ValueCodec.inflate(ar.result().toBuffer().getBytes())));
        });
      });
      return server.listen(port, "127.0.0.1");
    }
  }

  static byte[] deflate(byte[] raw) {
    Deflater d = new Deflater(6);
    d.setInput(raw);
    d.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 2);
    byte[] chunk = new byte[8192];
    while (!d.finished()) {
      out.write(chunk, 0, d.deflate(chunk));
    }
    d.end();
    return out.toByteArray();
  }
}
