package io.enginel.cache;

import io.enginel.support.Zlib;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The stored form of values: a marker byte, then the bytes raw or zlib-compressed. */
class ValueCodecTest {
  private static final int THRESHOLD = 1024;
  private final ValueCodec codec = new ValueCodec(THRESHOLD, 6);

  @Test
  void valueUnderTheThresholdIsStoredRawWithMarkerZero() {
    byte[] raw = repeated("{\"id\":1,\"name\":\"bracket\"}", 20, 1000);

    Buffer stored = codec.encode(raw);

    assertThat(stored.getByte(0)).isEqualTo(ValueCodec.RAW).isEqualTo((byte) 0);
    assertThat(stored.getBytes(1, stored.length())).isEqualTo(raw);
    assertThat(ValueCodec.decode(stored, 0)).isEqualTo(raw);
  }

  @Test
  void compressibleValueAboveTheThresholdIsStoredAsZlibWithMarkerOne() {
    byte[] raw = repeated("{\"id\":1,\"name\":\"bracket\",\"upload_status\":\"COMPLETED\"}", 200, 10_000);

    Buffer stored = codec.encode(raw);

    assertThat(stored.getByte(0)).isEqualTo(ValueCodec.ZLIB).isEqualTo((byte) 1);
    assertThat(stored.length()).isLessThan(raw.length / 4);
    // the payload is a plain zlib stream (django-redis' ZlibCompressor format), readable by any inflater
    assertThat(Zlib.inflate(stored.getBytes(1, stored.length()))).isEqualTo(raw);
  }

  @Test
  void compressedValueRoundTripsExactly() {
    byte[] raw = new byte[50_000];
    Random random = new Random(7);
    for (int i = 0; i < raw.length; i++) {
      raw[i] = (byte) "abcdefgh{}\":,0123456789".charAt(random.nextInt(23));
    }

    Buffer stored = codec.encode(raw);

    assertThat(stored.getByte(0)).isEqualTo(ValueCodec.ZLIB);
    assertThat(ValueCodec.decode(stored, 0)).isEqualTo(raw);
  }

  @Test
  void valueOfExactlyTheThresholdIsCompressed() {
    byte[] raw = repeated("a", THRESHOLD, THRESHOLD);

    assertThat(codec.encode(raw).getByte(0)).isEqualTo(ValueCodec.ZLIB);
    assertThat(codec.encode(java.util.Arrays.copyOf(raw, THRESHOLD - 1)).getByte(0)).isEqualTo(ValueCodec.RAW);
  }

  @Test
  void incompressibleValueStaysRaw() {
    byte[] raw = new byte[8192];
    new Random(42).nextBytes(raw);

    Buffer stored = codec.encode(raw);

    assertThat(stored.getByte(0)).isEqualTo(ValueCodec.RAW);
    assertThat(stored.length()).isEqualTo(raw.length + 1);
    assertThat(ValueCodec.decode(stored, 0)).isEqualTo(raw);
  }

  @Test
  void aValueThatDeflateShrinksByLessThanAQuarterStaysRaw() {
    // a search's kept matches: sorted 8-byte times, then 16 random bytes each (deflated to ~94 %)
    byte[] raw = new byte[24 * 1000];
    Random random = new Random(7);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(raw);
    for (long t = 1_735_689_600_000_000L; b.hasRemaining(); t -= 1 + random.nextInt(1_000_000)) {
      byte[] id = new byte[16];
      random.nextBytes(id);
      b.putLong(t).put(id);
    }
    assertThat(ValueCodec.deflate(raw, 6).length).as("deflate saves something").isLessThan(raw.length);

    Buffer stored = codec.encode(raw);

    assertThat(stored.getByte(0)).isEqualTo(ValueCodec.RAW);
    assertThat(ValueCodec.decode(stored, 0)).isEqualTo(raw);
    assertThat(ValueCodec.worthCompressing(75, 100)).isTrue();
    assertThat(ValueCodec.worthCompressing(76, 100)).isFalse();
  }

  @Test
  void decodeReadsFromTheGivenOffset() {
    byte[] raw = repeated("design ", 500, 3500);
    Buffer stored = Buffer.buffer("HEADER").appendBuffer(codec.encode(raw));

    assertThat(ValueCodec.decode(stored, 6)).isEqualTo(raw);
  }

  @Test
  void emptyValueRoundTrips() {
    Buffer stored = new ValueCodec(0, 6).encode(new byte[0]);

    assertThat(stored.getByte(0)).isEqualTo(ValueCodec.RAW);
    assertThat(ValueCodec.decode(stored, 0)).isEmpty();
  }

  @Test
  void corruptZlibPayloadIsRejected() {
    Buffer stored = Buffer.buffer().appendByte(ValueCodec.ZLIB).appendString("this is not zlib at all, not even close");

    assertThatThrownBy(() -> ValueCodec.decode(stored, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void truncatedZlibPayloadIsRejected() {
    Buffer whole = codec.encode(repeated("{\"k\":\"v\"}", 1000, 9000));
    Buffer truncated = whole.getBuffer(0, whole.length() / 2);

    assertThatThrownBy(() -> ValueCodec.decode(truncated, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unknownMarkerIsRejected() {
    Buffer stored = Buffer.buffer().appendByte((byte) 7).appendString("{}");

    assertThatThrownBy(() -> ValueCodec.decode(stored, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("marker");
  }

  private static byte[] repeated(String s, int times, int length) {
    byte[] all = s.repeat(times).getBytes(StandardCharsets.UTF_8);
    return java.util.Arrays.copyOf(all, Math.min(length, all.length));
  }
}
