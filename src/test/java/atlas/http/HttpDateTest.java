package atlas.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpDateTest {
    private static final long EXAMPLE = 784_111_777L; // RFC 9110 §5.6.7's Sun, 06 Nov 1994 08:49:37 GMT
    private static final DateTimeFormatter REFERENCE =
        DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    @Test
    void shouldFormatImfFixdate() {
        assertThat(HttpDate.format(EXAMPLE)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
        assertThat(HttpDate.format(0)).isEqualTo("Thu, 01 Jan 1970 00:00:00 GMT");
        assertThat(HttpDate.format(-1)).isEqualTo("Wed, 31 Dec 1969 23:59:59 GMT");
        assertThat(HttpDate.format(1_709_164_800L)).isEqualTo("Thu, 29 Feb 2024 00:00:00 GMT");
        assertThat(HttpDate.format(253_402_300_799L)).isEqualTo("Fri, 31 Dec 9999 23:59:59 GMT");
    }

    @Test
    void shouldFormatIntoArrayAtOffset() {
        byte[] out = new byte[40];
        HttpDate.format(EXAMPLE, out, 5);
        assertThat(Bytes.string(java.util.Arrays.copyOfRange(out, 5, 5 + HttpDate.LENGTH), HttpDate.LENGTH))
            .isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
        assertThat(out[4]).isZero();
        assertThat(out[5 + HttpDate.LENGTH]).isZero();
    }

    @Test
    void shouldRefuseYearsOutsideFourDigits() {
        assertThatThrownBy(() -> HttpDate.format(253_402_300_800L)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpDate.format(-62_167_219_201L)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldAgreeWithJavaTimeAndRoundTrip() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            long second = random.nextLong(-62_167_219_200L, 253_402_300_800L); // years 0000-9999
            String formatted = HttpDate.format(second);
            if (second >= 0) {
                assertThat(formatted).isEqualTo(REFERENCE.format(java.time.Instant.ofEpochSecond(second)));
            }
            assertThat(HttpDate.parse(formatted)).isEqualTo(second);
        }
    }

    @Test
    void shouldParseAllThreeForms() {
        assertThat(HttpDate.parse("Sun, 06 Nov 1994 08:49:37 GMT")).isEqualTo(EXAMPLE);
        assertThat(HttpDate.parse("Sunday, 06-Nov-94 08:49:37 GMT")).isEqualTo(EXAMPLE);
        assertThat(HttpDate.parse("Wednesday, 09-Nov-94 08:49:37 GMT")).isEqualTo(EXAMPLE + 3 * 86_400);
        assertThat(HttpDate.parse("Sun Nov  6 08:49:37 1994")).isEqualTo(EXAMPLE);
        assertThat(HttpDate.parse("Wed Nov 16 08:49:37 1994")).isEqualTo(EXAMPLE + 10 * 86_400);
        assertThat(HttpDate.parse("Sun Nov 06 08:49:37 1994")).isEqualTo(EXAMPLE);
    }

    @Test
    void shouldParseFromDirectBufferSlice() {
        var buf = Bytes.direct("If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT", 3);
        assertThat(HttpDate.parse(buf, 3 + 19, HttpDate.LENGTH)).isEqualTo(EXAMPLE);
    }

    @Test
    void shouldAcceptLeapSecond() {
        assertThat(HttpDate.parse("Sat, 31 Dec 2016 23:59:60 GMT")).isEqualTo(1_483_228_800L);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "garbage", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 29 Feb 1900 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT", "sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:37 GMT", "Sun, 06 Nov 1994 08:49:61 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06-Nov-1994 08:49:37 GM", "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08.49.37 GMT", "Sun,  06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT ", "Sundae, 06-Nov-94 08:49:37 GMT", "Sunday, 06 Nov 94 08:49:37 GMT",
        "Sunday, 06-Nov-9x 08:49:37 GMT", "Sun Nov 6 08:49:37 1994", "Sun Nov  6 08:49:37 94  ",
        "Sun Nov  x 08:49:37 1994", "Sun, 06 Nov 19x4 08:49:37 GMT"})
    void shouldRejectInvalidDates(String value) {
        assertThat(HttpDate.parse(value)).isEqualTo(-1);
    }

    @Test
    void shouldInterpretTwoDigitYearsWithinFiftyYears() {
        assertThat(HttpDate.expandTwoDigitYear(94, 2025)).isEqualTo(1994);
        assertThat(HttpDate.expandTwoDigitYear(30, 2025)).isEqualTo(2030);
        assertThat(HttpDate.expandTwoDigitYear(75, 2025)).isEqualTo(2075);
        assertThat(HttpDate.expandTwoDigitYear(76, 2025)).isEqualTo(1976);
        assertThat(HttpDate.expandTwoDigitYear(10, 2090)).isEqualTo(2110);
        assertThat(HttpDate.expandTwoDigitYear(40, 2090)).isEqualTo(2140);
        assertThat(HttpDate.expandTwoDigitYear(41, 2090)).isEqualTo(2041);
        var buf = Bytes.heap("Friday, 01-Jan-99 00:00:00 GMT", 0);
        assertThat(HttpDate.parse(buf, 0, 30, 2080)).isEqualTo(HttpDate.parse("Fri, 01 Jan 2099 00:00:00 GMT"));
        assertThat(HttpDate.currentYear()).isBetween(2024, 2200);
    }
}
