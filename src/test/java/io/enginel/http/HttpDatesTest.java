package io.enginel.http;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTP-dates as RFC 9110 §5.6.7 writes them (IMF-fixdate) and reads them back. */
class HttpDatesTest {
  private static final DateTimeFormatter RFC_9110_EXAMPLE_FORM = DateTimeFormatter
      .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

  @Test
  void writesTheRfcsOwnExample() {
    assertThat(HttpDates.format(784111777L)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
  }

  @Test
  void everySecondIsWrittenAsImfFixdateAndReadBack() {
    SplittableRandom random = new SplittableRandom(20261205);
    for (int i = 0; i < 20_000; i++) {
      long seconds = random.nextLong(0, 4_102_444_800L); // 1970 to 2100
      String written = HttpDates.format(seconds);
      assertThat(written).isEqualTo(RFC_9110_EXAMPLE_FORM.format(Instant.ofEpochSecond(seconds)));
      assertThat(HttpDates.parse(written)).isEqualTo(seconds);
    }
  }

  @Test
  void readsTheObsoleteFormsAndRefusesWhatIsNotAnHttpDate() {
    assertThat(HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT")).isEqualTo(784111777L);
    assertThat(HttpDates.parse("Sun Nov  6 08:49:37 1994")).isEqualTo(784111777L);
    assertThat(HttpDates.parse("Mon, 06 Nov 1994 08:49:37 GMT")).as("the wrong day of the week").isEqualTo(-1);
    assertThat(HttpDates.parse("yesterday")).isEqualTo(-1);
  }
}
