package io.enginel.http;

import io.netty.handler.codec.DateFormatter;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Date;
import java.util.Locale;

/**
 * HTTP-dates (RFC 9110 §5.6.7), at the second: written as IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}); read
 * in that form and in the two obsolete ones a recipient must accept (RFC 850, asctime). Case-sensitive, and the day
 * of the week must agree with the date: anything else is not an HTTP-date.
 */
final class HttpDates {
  private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter
      .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter RFC_850 = new DateTimeFormatterBuilder()
      .appendPattern("EEEE, dd-MMM-")
      .appendValueReduced(ChronoField.YEAR, 2, 2, 1970) // 70–99 → 19xx, 00–69 → 20xx
      .appendPattern(" HH:mm:ss 'GMT'")
      .toFormatter(Locale.US).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter ASCTIME = DateTimeFormatter
      .ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(ZoneOffset.UTC);

  private HttpDates() {}

  /**
   * IMF-fixdate of {@code epochSeconds}, by Netty's formatter (a reused calendar and builder per thread): written on
   * every detail answered with a Last-Modified, where {@code java.time}'s formatter took 8 % of a near-cache hit.
   */
  static String format(long epochSeconds) {
    return DateFormatter.format(new Date(epochSeconds * 1000));
  }

  /** The epoch seconds of an HTTP-date, or -1 when the value is not one. */
  static long parse(String value) {
    for (DateTimeFormatter f : new DateTimeFormatter[] {IMF_FIXDATE, RFC_850, ASCTIME}) {
      try {
        return Instant.from(f.parse(value)).getEpochSecond();
      } catch (DateTimeException notThisForm) {
        // the next form
      }
    }
    return -1;
  }
}
