package io.enginel.cache;

import io.enginel.support.TestServices;
import io.enginel.support.Waits;
import io.vertx.circuitbreaker.TimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lookups' pipelined connection, on a real Redis: opened on the first lookup without making it wait, shared by
 * the lookups in flight up to its depth, and after it is lost — killed by Redis, or dropped after a timeout — opened
 * again by a later lookup; after a failed open, not tried again before the retry delay of the injected clock.
 */
class LookupPipeTest {
  private Vertx vertx;
  private Redis redis;
  private Redis admin;
  private final AtomicInteger opens = new AtomicInteger();
  private final AtomicLong now = new AtomicLong(1_000);

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(TestServices.redisUri() + "/1"));
    admin = Redis.createClient(vertx, new RedisOptions().setConnectionString(TestServices.redisUri() + "/1"));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private LookupPipe pipe(Supplier<Future<RedisConnection>> open, int depth) {
    return new LookupPipe("test", () -> {
      opens.incrementAndGet();
      return open.get();
    }, depth, now::get, 500);
  }

  /** A pipe of {@code depth} on the test's Redis, its connection opened by a first lookup (which went to the pool). */
  private LookupPipe opened(int depth) {
    LookupPipe pipe = pipe(redis::connect, depth);
    assertThat(pipe.take()).isNull();
    Waits.until(pipe::isOpen, Duration.ofSeconds(5), "the connection open");
    return pipe;
  }

  @Test
  void theFirstLookupGoesToThePoolWhileTheConnectionOpensAndTheNextOnesShareIt() throws Exception {
    LookupPipe pipe = pipe(redis::connect, 8);

    assertThat(pipe.take()).as("nothing open yet: the caller uses the pool, nobody waits").isNull();
    Waits.until(pipe::isOpen, Duration.ofSeconds(5), "the connection open");
    RedisConnection first = pipe.take();
    RedisConnection second = pipe.take();

    assertThat(first).isNotNull().isSameAs(second);
    assertThat(pipe.inFlight()).isEqualTo(2);
    String key = "enginel-test:pipe:" + UUID.randomUUID();
    Response set = first.send(Request.cmd(Command.SET).arg(key).arg("v")).await(5, TimeUnit.SECONDS);
    List<Response> read = second.batch(List.of(Request.cmd(Command.GET).arg(key), Request.cmd(Command.EXISTS).arg(key)))
        .await(5, TimeUnit.SECONDS);
    pipe.done(first, null);
    pipe.done(second, null);

    assertThat(set.toString()).isEqualTo("OK");
    assertThat(read.get(0).toString()).isEqualTo("v");
    assertThat(read.get(1).toInteger()).isEqualTo(1);
    assertThat(pipe.inFlight()).isZero();
    assertThat(opens.get()).as("one connection for all of them").isEqualTo(1);
    admin.send(Request.cmd(Command.DEL).arg(key)).await(5, TimeUnit.SECONDS);
  }

  @Test
  void beyondItsDepthALookupGoesToThePool() {
    LookupPipe pipe = opened(2);

    RedisConnection a = pipe.take();
    RedisConnection b = pipe.take();
    assertThat(a).isNotNull();
    assertThat(b).isNotNull();
    assertThat(pipe.take()).as("two in flight: the third goes to the pool").isNull();

    pipe.done(a, null);
    assertThat(pipe.take()).as("room again").isSameAs(b);
  }

  @Test
  void aConnectionKilledByRedisIsReopenedByALaterLookup() throws Exception {
    LookupPipe pipe = opened(8);
    RedisConnection killed = pipe.take();
    long id = killed.send(Request.cmd(Command.CLIENT).arg("ID")).await(5, TimeUnit.SECONDS).toLong();
    pipe.done(killed, null);

    admin.send(Request.cmd(Command.CLIENT).arg("KILL").arg("ID").arg(id)).await(5, TimeUnit.SECONDS);

    Waits.until(() -> !pipe.isOpen(), Duration.ofSeconds(5), "the killed connection dropped");
    assertThat(pipe.take()).as("lost: the pool meanwhile, and a new connection opening").isNull();
    Waits.until(pipe::isOpen, Duration.ofSeconds(5), "the connection open");
    RedisConnection fresh = pipe.take();
    assertThat(fresh).isNotSameAs(killed);
    assertThat(fresh.send(Request.cmd(Command.CLIENT).arg("ID")).await(5, TimeUnit.SECONDS).toLong()).isNotEqualTo(id);
    assertThat(opens.get()).isEqualTo(2);
  }

  @Test
  void aLookupThatTimedOutDropsTheConnectionSoThatTheNextOnesDoNotQueueBehindIt() {
    LookupPipe pipe = opened(8);
    RedisConnection slow = pipe.take();

    pipe.done(slow, TimeoutException.INSTANCE);

    assertThat(pipe.isOpen()).isFalse();
    assertThat(pipe.inFlight()).isZero();
    pipe.take();
    Waits.until(pipe::isOpen, Duration.ofSeconds(5), "the connection open");
    assertThat(pipe.take()).isNotSameAs(slow);
  }

  @Test
  void anotherFailureLeavesTheConnectionOpen() {
    LookupPipe pipe = opened(8);
    RedisConnection c = pipe.take();

    pipe.done(c, new IllegalStateException("WRONGTYPE"));

    assertThat(pipe.take()).isSameAs(c);
  }

  @Test
  void afterAFailedOpenTheNextIsTriedOnlyOnceTheRetryDelayIsOver() {
    List<Boolean> answers = new ArrayList<>(List.of(false, true));
    LookupPipe pipe = pipe(() -> answers.remove(0) ? redis.connect()
        : Future.failedFuture(new IllegalStateException("connection refused")), 8);

    assertThat(pipe.take()).isNull();
    assertThat(opens.get()).isEqualTo(1);
    now.addAndGet(499);
    assertThat(pipe.take()).isNull();
    assertThat(opens.get()).as("within the delay: not tried").isEqualTo(1);

    now.addAndGet(1);
    pipe.take();
    assertThat(opens.get()).isEqualTo(2);
    Waits.until(pipe::isOpen, Duration.ofSeconds(5), "the connection open");
  }

  @Test
  void closedItOpensNothingMore() throws Exception {
    LookupPipe pipe = opened(8);

    pipe.close().await(5, TimeUnit.SECONDS);

    assertThat(pipe.take()).isNull();
    assertThat(opens.get()).isEqualTo(1);
  }
}
