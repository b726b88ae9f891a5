package atlas.loadgen;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A real search, short steps, against a raw responder on loopback: it must end and find a rate. */
class RateSearchLoopbackTest {
    @Test
    void shouldEndAndReportARateAgainstARealServer() throws Exception {
        try (TinyHttpServer server = TinyHttpServer.answering()) {
            // A generous SLO: on a shared box the point is that the search runs its course, not what it finds. From
            // 500/s a 300 ms step has about 150 responses, more than the 100 a p99 needs.
            Slo slo = Slo.parse("1s");
            LoadGenerator.Settings template = new LoadGenerator.Settings(server.targets(), 4, 1,
                    Duration.ofMillis(200), Duration.ofMillis(300), 100, Duration.ofSeconds(5));
            List<SearchStep> seen = new ArrayList<>();
            SearchResult result = new RateSearch(slo, 500, 3, RateSearch.loadSteps(template, sample -> { }))
                    .run(seen::add);

            assertThat(result.steps()).hasSizeBetween(1, 3).isEqualTo(seen);
            assertThat(result.highestRate()).as(result.text(false)).isPositive();
            assertThat(result.best().report().requests()).isPositive();
            assertThat(result.best().report().arrivalsDue()).isPositive();
            assertThat(server.requests()).isGreaterThanOrEqualTo(result.best().report().requests());
            assertThat(result.text(false)).contains("highest rate meeting p99 <= 1 s: " + result.highestRate());
            assertThat(result.json()).contains("\"highestRateMeetingSlo\":" + result.highestRate());
        }
    }
}
