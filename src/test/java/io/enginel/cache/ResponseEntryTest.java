package io.enginel.cache;

import io.enginel.support.Zlib;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The binary form of a cached answer: the clock it was filled at (incarnation, sequence), its expiry, ETag,
 * owners and tags, then the codec's body.
 */
class ResponseEntryTest {
  private static final Clock CLOCK = new Clock(1733312345678001L, 7);
  private static final long EXPIRES = 1_800_000_000_000L;
  private final ValueCodec codec = new ValueCodec(1024, 6);

  @Test
  void smallEntryRoundTripsWithItsHeaderAndARawBody() {
    byte[] body = "{\"id\":\"d1\",\"filename\":\"bracket.step\"}".getBytes(StandardCharsets.UTF_8);

    ResponseEntry entry = ResponseEntry.parse(ResponseEntry.encode(new Clock(1733312345678001L, 42), EXPIRES, List.of("org-1", "u:7"), body, codec));

    assertThat(entry).isNotNull();
    assertThat(entry.incarnation()).isEqualTo("1733312345678001");
    assertThat(entry.sequence()).isEqualTo(42);
    assertThat(entry.secondsLeft(EXPIRES - 90_500)).isEqualTo(90);
    assertThat(entry.secondsLeft(EXPIRES + 1)).isZero();
    assertThat(entry.owners()).containsExactly("org-1", "u:7");
    assertThat(entry.etag()).isEqualTo(ResponseEntry.etagOf(body));
    assertThat(entry.compressed()).isFalse();
    assertThat(entry.body().getBytes()).isEqualTo(body);
    assertThat(entry.storedBody().getBytes()).isEqualTo(body);
  }

  @Test
  void theLastModifiedTimeOfTheRepresentationIsKeptWithTheEntry() {
    byte[] body = "{\"id\":\"d1\"}".getBytes(StandardCharsets.UTF_8);

    ResponseEntry with = ResponseEntry.parse(ResponseEntry.encode(CLOCK, EXPIRES, 1_709_634_030L, List.of("org-1"),
        List.of("design:d1"), body, codec));
    ResponseEntry without = ResponseEntry.parse(ResponseEntry.encode(CLOCK, EXPIRES, List.of("org-1"), body, codec));

    assertThat(with.lastModifiedSeconds()).isEqualTo(1_709_634_030L);
    assertThat(with.tags()).containsExactly("design:d1");
    assertThat(with.body().getBytes()).isEqualTo(body);
    assertThat(without.lastModifiedSeconds()).isZero();
  }

  @Test
  void anEntryOfVersion5WithoutALastModifiedTimeIsStillRead() {
    byte[] body = "{\"id\":\"d1\"}".getBytes(StandardCharsets.UTF_8);
    String etag = ResponseEntry.etagOf(body);
    String incarnation = CLOCK.incarnationText();
    Buffer v5 = Buffer.buffer().appendByte(ResponseEntry.MAGIC).appendByte((byte) 5)
        .appendUnsignedShort(incarnation.length()).appendString(incarnation, "US-ASCII")
        .appendLong(CLOCK.sequence()).appendLong(EXPIRES);
    for (String part : List.of(etag, "org-1", "design:d1")) {
      v5.appendUnsignedShort(part.length()).appendString(part, "US-ASCII");
    }
    v5.appendInt(body.length).appendByte(ValueCodec.RAW).appendBytes(body);

    ResponseEntry entry = ResponseEntry.parse(v5);

    assertThat(entry).isNotNull();
    assertThat(entry.lastModifiedSeconds()).isZero();
    assertThat(entry.sequence()).isEqualTo(CLOCK.sequence());
    assertThat(entry.secondsLeft(EXPIRES - 10_000)).isEqualTo(10);
    assertThat(entry.etag()).isEqualTo(etag);
    assertThat(entry.owners()).containsExactly("org-1");
    assertThat(entry.tags()).containsExactly("design:d1");
    assertThat(entry.body().getBytes()).isEqualTo(body);
  }

  @Test
  void aCompressedEntryInsideALargerBufferInflatesFromItsOwnBytes() {
    JsonArray results = new JsonArray();
    for (int i = 0; i < 100; i++) {
      results.add(new JsonObject().put("id", i).put("description", "part " + i));
    }
    byte[] body = new JsonObject().put("results", results).toBuffer().getBytes();
    Buffer entry = ResponseEntry.encode(CLOCK, EXPIRES, List.of("org-1"), body, codec);
    // as a network reply holds it: after other bytes, followed by more
    Buffer before = Buffer.buffer("$" + entry.length() + "\r\n");
    Buffer around = before.copy().appendBuffer(entry).appendString("\r\n+OK\r\n");
    ResponseEntry parsed = ResponseEntry.parse(around.slice(before.length(), before.length() + entry.length()));

    assertThat(parsed).isNotNull();
    assertThat(parsed.compressed()).isTrue();
    assertThat(parsed.body().getBytes()).isEqualTo(body);
  }

  @Test
  void largeEntryRoundTripsWithACompressedBody() {
    JsonArray results = new JsonArray();
    for (int i = 0; i < 200; i++) {
      results.add(new JsonObject().put("id", i).put("upload_status", "COMPLETED").put("file_format", "step"));
    }
    byte[] body = new JsonObject().put("count", 200).put("results", results).toBuffer().getBytes();

    ResponseEntry entry = ResponseEntry.parse(ResponseEntry.encode(CLOCK, EXPIRES, List.of("org-1"), body, codec));

    assertThat(entry).isNotNull();
    assertThat(entry.compressed()).isTrue();
    assertThat(entry.body().getBytes()).isEqualTo(body);
    assertThat(entry.storedBody().length()).isLessThan(body.length);
    assertThat(Zlib.inflate(entry.storedBody().getBytes())).isEqualTo(body);
    assertThat(entry.etag()).isEqualTo(ResponseEntry.etagOf(body));
  }

  @Test
  void ownersOfEveryKindSurviveTheRoundTrip() {
    List<String> owners = List.of("7c9e6679-7425-40de-944b-e07fc1f90ae7", "u:42", "staff", "*");

    ResponseEntry entry = ResponseEntry.parse(ResponseEntry.encode(CLOCK, EXPIRES, owners, "{}".getBytes(), codec));

    assertThat(entry.owners()).containsExactlyElementsOf(owners);
  }

  @Test
  void entryWithoutOwnersHasAnEmptyOwnerList() {
    ResponseEntry entry = ResponseEntry.parse(ResponseEntry.encode(CLOCK, EXPIRES, List.of(), "{}".getBytes(), codec));

    assertThat(entry.owners()).isEmpty();
  }

  @Test
  void etagIsTheSameForEqualBodies() {
    byte[] one = "{\"count\":1,\"results\":[{\"id\":1}]}".getBytes(StandardCharsets.UTF_8);
    byte[] same = new String(one, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);

    assertThat(ResponseEntry.etagOf(one)).isEqualTo(ResponseEntry.etagOf(same));
    // and it does not depend on the incarnation or the owners of the entry holding the body
    assertThat(ResponseEntry.parse(ResponseEntry.encode(CLOCK, EXPIRES, List.of("a"), one, codec)).etag())
        .isEqualTo(ResponseEntry.parse(ResponseEntry.encode(CLOCK, EXPIRES, List.of("b"), same, codec)).etag());
  }

  @Test
  void etagDiffersForDifferentBodies() {
    String a = ResponseEntry.etagOf("{\"description\":\"an aluminium bracket\"}".getBytes(StandardCharsets.UTF_8));
    String b = ResponseEntry.etagOf("{\"description\":\"an aluminium brackeT\"}".getBytes(StandardCharsets.UTF_8));

    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void etagIsAQuotedStrongValidator() {
    String etag = ResponseEntry.etagOf("{}".getBytes(StandardCharsets.UTF_8));

    assertThat(etag).matches("\"[A-Za-z0-9_-]{16}\"");
  }

  @Test
  void parseOfForeignBytesIsNull() {
    assertThat(ResponseEntry.parse(null)).isNull();
    assertThat(ResponseEntry.parse(Buffer.buffer())).isNull();
    assertThat(ResponseEntry.parse(Buffer.buffer("hello, this is not a cached answer"))).isNull();
    // a value written by the public key/value API (marker byte + JSON) is not an entry
    assertThat(ResponseEntry.parse(codec.encode("{\"count\":3}".getBytes()))).isNull();
  }

  @Test
  void parseOfAnEntryOfAnotherVersionIsNull() {
    Buffer stored = ResponseEntry.encode(CLOCK, EXPIRES, List.of("org"), "{}".getBytes(), codec);
    stored.setByte(1, (byte) (ResponseEntry.VERSION + 1));

    assertThat(ResponseEntry.parse(stored)).isNull();
  }

  @Test
  void parseOfAnEntryCutInItsHeaderIsNull() {
    Buffer stored = ResponseEntry.encode(CLOCK, EXPIRES, List.of("org-1", "org-2"), "{\"x\":1}".getBytes(), codec);

    for (int cut = 0; cut <= stored.length() - "{\"x\":1}".length() - 1; cut++) {
      assertThat(ResponseEntry.parse(stored.getBuffer(0, cut))).as("cut at %d", cut).isNull();
    }
  }

  @Test
  void aRawBodyCutOrGrownIsNotAnEntry() {
    byte[] body = "0123456789".getBytes(StandardCharsets.UTF_8);
    Buffer whole = ResponseEntry.encode(new Clock(1, 1), 0, List.of("o"), body, new ValueCodec(1024, 6));
    assertThat(ResponseEntry.parse(whole)).isNotNull();

    assertThat(ResponseEntry.parse(whole.getBuffer(0, whole.length() - 5))).isNull();
    assertThat(ResponseEntry.parse(whole.copy().appendString("x"))).isNull();
  }

  @Test
  void aFillBuiltFromCachedPartsIsStampedAtTheOldestPartsClock() {
    Clock ticket = new Clock(7, 203);

    assertThat(ResponseStore.ticketOf(ticket, null)).isEqualTo(ticket);
    assertThat(ResponseStore.ticketOf(ticket, new Answer.Basis("7", 150))).isEqualTo(new Clock(7, 150));
    assertThat(ResponseStore.ticketOf(ticket, new Answer.Basis("7", 240))).isEqualTo(ticket);
    assertThat(ResponseStore.ticketOf(ticket, new Answer.Basis("6", 100))).as("another incarnation").isNull();
    assertThat(new Answer.Basis("7", 9).olderOf(new Answer.Basis("7", 4))).isEqualTo(new Answer.Basis("7", 4));
    assertThat(new Answer.Basis("7", 9).olderOf(new Answer.Basis("8", 4)).incarnation()).isEmpty();
  }
}
