package io.enginel.support;

import io.enginel.cache.Answer;
import io.enginel.cache.CachedRead;
import io.enginel.config.Tier;
import io.enginel.domain.Resources;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cached read driven by hand through a node's cache ({@code CacheClient.read}, over the event bus as any caller
 * off an event loop sends it), whose load the test holds open: the read looks up, misses, calls its loader — and
 * the loader's answer ("what the database held") is given only when the test says so. So a test can put a write,
 * or another request, exactly between a miss's database read and its fill.
 */
public final class HeldRead {
  private final Promise<CachedRead.Loaded> loaded = Promise.promise();
  private final CountDownLatch loading = new CountDownLatch(1);
  private final AtomicInteger loads = new AtomicInteger();
  private final Future<Answer> answer;

  private HeldRead(TestServer s, Tier tier, String key, String resource) {
    CachedRead read = new CachedRead(tier, key, resource, 300, true, () -> {
      loads.incrementAndGet();
      loading.countDown();
      return loaded.future();
    });
    this.answer = s.server.cache().read(read);
  }

  /** Starts a read of {@code key} and waits until it is loading (it missed and called its loader). */
  public static HeldRead loading(TestServer s, Tier tier, String key, String resource) {
    HeldRead held = new HeldRead(s, tier, key, resource);
    try {
      if (!held.loading.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("the read of " + key + " never called its loader: " + held.answer);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return held;
  }

  /** Lets the load answer {@code row} as what it read, filled under {@code tags}; answers the read's answer. */
  public Answer release(JsonObject row, List<String> owners, List<String> tags) {
    loaded.complete(new CachedRead.Loaded(row.toBuffer(), owners, tags));
    return TestServer.await(answer);
  }

  /**
   * Lets a held read of a design's detail answer the design as the held miss read it ({@code "read_by": "the held
   * miss"}, so a test can tell its body when served), owned by {@code org} and tagged as the API tags a detail.
   */
  public Answer releaseDesign(UUID org, UUID series, UUID design, String description) {
    JsonObject row = new JsonObject().put("id", design.toString()).put("series", series.toString())
        .put("description", description).put("read_by", "the held miss");
    return release(row, List.of(org.toString()), Resources.DESIGNS.detailTags(row));
  }

  public int loads() {
    return loads.get();
  }
}
