package atlas.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {
    @Test
    void shouldReturnTheFirstSampleThatIsDone() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        int seen = Await.until("the third poll", Duration.ofSeconds(10), polls::incrementAndGet, n -> n >= 3);
        assertThat(seen).isEqualTo(3);
        assertThat(polls).hasValue(3);
    }

    @Test
    void shouldFailNamingWhatItWaitedForAndTheLastSample() {
        AtomicInteger polls = new AtomicInteger();
        assertThatThrownBy(() -> Await.until("a negative number", Duration.ofMillis(30), polls::incrementAndGet,
                n -> n < 0))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("waited 30 ms for a negative number; last seen: ")
                .hasMessageEndingWith(": " + polls.get());
        assertThat(polls.get()).as("polls within 30 ms, backing off from 1 ms").isBetween(2, 10);
    }

    @Test
    void shouldNotReportTheBooleanOfACondition() {
        assertThatThrownBy(() -> Await.until("never", Duration.ZERO, () -> false))
                .hasMessage("waited 0 ms for never");
    }

    @Test
    void shouldLetAFailureOfTheConditionThrough() {
        assertThatThrownBy(() -> Await.until("a file", Duration.ofSeconds(10), () -> {
            throw new java.io.IOException("unreadable");
        })).isInstanceOf(java.io.IOException.class).hasMessage("unreadable");
    }
}
