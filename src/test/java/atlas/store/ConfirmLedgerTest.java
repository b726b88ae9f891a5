package atlas.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The CONFIRM bookkeeping of one journal: ranges of durable PUTs, gaps at failures, data syncs for inline ones. */
class ConfirmLedgerTest {
    private static String ranges(ConfirmLedger l) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < l.rangeCount(); i++) {
            b.append(i == 0 ? "" : " ").append(l.rangeFirst(i)).append('-').append(l.rangeLast(i));
        }
        return b.toString();
    }

    @Test
    void shouldConfirmRunsOfDurablePutsAndNeverAFailedOne() {
        ConfirmLedger l = new ConfirmLedger();
        long a = l.append(10);
        long b = l.append(11);
        long c = l.append(12);
        long d = l.append(14);
        assertThat(l.firstPendingSequence()).isEqualTo(10);
        l.durable(b);
        l.collect();
        assertThat(ranges(l)).as("10 is still pending: nothing after it is collected").isEmpty();
        l.durable(a);
        l.failed(c);
        l.durable(d);
        assertThat(l.firstPendingSequence()).isEqualTo(Long.MAX_VALUE);
        l.collect();
        assertThat(ranges(l)).isEqualTo("10-11 14-14");
        l.dropCarried(1);
        assertThat(ranges(l)).isEqualTo("14-14");
    }

    @Test
    void shouldHoldInlinePutsUntilADataSyncThatBeganAfterThem() {
        ConfirmLedger l = new ConfirmLedger();
        long a = l.append(1);
        l.written(a);
        long epoch = l.beginDataSync();
        long b = l.append(2);
        l.written(b); // published while that sync runs: not covered by it
        assertThat(l.awaitingSync()).isEqualTo(1);
        l.collect();
        assertThat(ranges(l)).isEmpty();
        l.dataSynced(epoch, true);
        l.collect();
        assertThat(ranges(l)).isEqualTo("1-1");
        long next = l.beginDataSync();
        l.dataSynced(next, false); // a failed sync: never confirmed, recovery keeps checking that extent
        long c = l.append(3);
        l.durable(c);
        l.collect();
        assertThat(ranges(l)).isEqualTo("1-1 3-3");
    }

    @Test
    void shouldKeepOrderWhenTheRingGrows() {
        ConfirmLedger l = new ConfirmLedger();
        long[] idx = new long[300];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = l.append(1000 + i);
        }
        for (long i : idx) {
            l.durable(i);
        }
        l.collect();
        assertThat(ranges(l)).isEqualTo("1000-1299");
    }
}
