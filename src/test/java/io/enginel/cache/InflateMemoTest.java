package io.enginel.cache;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The memo of inflated bodies gives back exactly what inflating the entry's stored body would: the bytes it kept
 * when these very compressed bytes were inflated before, else a fresh inflate — never another entry's body, even one
 * that claims the same ETag.
 */
class InflateMemoTest {
  private static final Clock CLOCK = new Clock(1733312345678001L, 7);
  private static final long EXPIRES = 1_800_000_000_000L;
  private final ValueCodec codec = new ValueCodec(64, 6);

  @Test
  void theSameCompressedBytesAreInflatedOnceAndTheirBodyReused() {
    InflateMemo memo = new InflateMemo(1 << 20);
    byte[] body = page("bracket");

    ResponseEntry first = memo.inflated(entry(body, codec));
    ResponseEntry second = memo.inflated(entry(body, codec)); // read again from Redis: another buffer, same bytes

    assertThat(first.body().toString()).isEqualTo(text(body));
    assertThat(second.body()).as("the bytes kept at the first inflate").isSameAs(first.body());
    assertThat(memo.inflatedCount()).isEqualTo(1);
    assertThat(memo.reused()).isEqualTo(1);
  }

  @Test
  void anEntryClaimingAKnownEtagWithOtherBytesIsInflatedItself() {
    InflateMemo memo = new InflateMemo(1 << 20);
    byte[] mine = page("mine");
    byte[] theirs = page("ours"); // as long as mine: the lengths alone cannot tell them apart
    ResponseEntry known = memo.inflated(entry(theirs, codec));
    ResponseEntry forged = withEtag(entry(mine, codec), known.etag());
    assertThat(forged.etag()).isEqualTo(known.etag());

    ResponseEntry served = memo.inflated(forged);

    assertThat(served.body().toString()).as("its own body, not the memo's").isEqualTo(text(mine));
    assertThat(memo.reused()).isZero();
  }

  @Test
  void theSameBodyCompressedOtherwiseIsInflatedAgainAndRight() {
    InflateMemo memo = new InflateMemo(1 << 20);
    byte[] body = page("levels");
    memo.inflated(entry(body, new ValueCodec(64, 1)));

    ResponseEntry other = memo.inflated(entry(body, new ValueCodec(64, 9))); // same ETag, other compressed bytes

    assertThat(other.body().toString()).isEqualTo(text(body));
    assertThat(memo.inflatedCount()).isEqualTo(2);
    assertThat(memo.reused()).isZero();
  }

  @Test
  void rawEntriesAndAMemoOfNoBytesLeaveTheEntryAsItIs() {
    byte[] small = "{\"id\":1}".getBytes(StandardCharsets.UTF_8);
    ResponseEntry raw = entry(small, codec);
    assertThat(raw.compressed()).isFalse();
    assertThat(new InflateMemo(1 << 20).inflated(raw)).isSameAs(raw);

    ResponseEntry compressed = entry(page("off"), codec);
    InflateMemo off = new InflateMemo(0);
    assertThat(off.inflated(compressed)).isSameAs(compressed);
    assertThat(compressed.body().toString()).isEqualTo(text(page("off")));
    assertThat(off.inflatedCount()).isZero();
  }

  @Test
  void aBodyThatDoesNotInflateIsLeftForItsReaderToRefuse() {
    InflateMemo memo = new InflateMemo(1 << 20);
    Buffer stored = ResponseEntry.encode(CLOCK, EXPIRES, List.of("o"), List.of("t"), page("corrupt"), codec);
    Buffer cut = stored.getBuffer(0, stored.length() - 10).appendBytes(new byte[10]); // its zlib tail zeroed
    ResponseEntry corrupt = ResponseEntry.parse(cut);

    assertThat(memo.inflated(corrupt)).isSameAs(corrupt);
    assertThat(memo.inflatedCount()).isZero();
  }

  /** A list page of 40 rows: compresses well, like the API's. */
  private static byte[] page(String word) {
    JsonArray rows = new JsonArray();
    for (int i = 0; i < 40; i++) {
      rows.add(new JsonObject().put("id", i).put("filename", word + "-" + i + ".step").put("description", word));
    }
    return new JsonObject().put("count", 40).put("results", rows).toBuffer().getBytes();
  }

  private static String text(byte[] json) {
    return new String(json, StandardCharsets.UTF_8);
  }

  private static ResponseEntry entry(byte[] body, ValueCodec codec) {
    ResponseEntry e = ResponseEntry.parse(ResponseEntry.encode(CLOCK, EXPIRES, List.of("o"), List.of("t"), body, codec));
    assertThat(e.compressed() || body.length < 64).isTrue();
    return e;
  }

  /** The entry with its ETag replaced by {@code etag} (same length), as a corrupted or forged value would read. */
  private static ResponseEntry withEtag(ResponseEntry e, String etag) {
    byte[] bytes = e.stored().getBytes();
    byte[] own = e.etag().getBytes(StandardCharsets.US_ASCII);
    byte[] other = etag.getBytes(StandardCharsets.US_ASCII);
    assertThat(other).hasSameSizeAs(own);
    int at = indexOf(bytes, own);
    System.arraycopy(other, 0, bytes, at, other.length);
    return ResponseEntry.parse(Buffer.buffer(bytes));
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("etag not found in the stored entry");
  }
}
