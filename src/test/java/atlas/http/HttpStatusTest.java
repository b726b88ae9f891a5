package atlas.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class HttpStatusTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "100|Continue", "200|OK", "201|Created", "204|No Content", "206|Partial Content", "301|Moved Permanently",
        "304|Not Modified", "400|Bad Request", "403|Forbidden", "404|Not Found", "405|Method Not Allowed",
        "408|Request Timeout", "411|Length Required", "412|Precondition Failed", "413|Content Too Large",
        "414|URI Too Long", "415|Unsupported Media Type", "416|Range Not Satisfiable", "417|Expectation Failed",
        "431|Request Header Fields Too Large", "500|Internal Server Error", "501|Not Implemented",
        "503|Service Unavailable", "505|HTTP Version Not Supported", "507|Insufficient Storage"})
    void shouldNameEveryStatusTheServerSends(int status, String reason) {
        assertThat(HttpStatus.reason(status)).isEqualTo(reason);
    }

    @Test
    void shouldAnswerUnknownForOtherCodes() {
        assertThat(HttpStatus.reason(299)).isEqualTo("Unknown");
        assertThat(HttpStatus.reason(-1)).isEqualTo("Unknown");
    }
}
