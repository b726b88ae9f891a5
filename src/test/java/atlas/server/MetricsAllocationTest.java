package atlas.server;

import atlas.dataplane.BufferPool;
import atlas.dataplane.CoreContext;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** What a core does per exchange — cached Prometheus data points, its counters — allocates nothing. */
class MetricsAllocationTest {
    @Test
    void shouldCountAndObserveWithoutAllocating() {
        Metrics metrics = new Metrics("nio", "off", null, null, null);
        MetricsCore core = metrics.newCore(new CoreContext(0, 0, new BufferPool(8192, 4096, 4), new BufferPool(8192, 4096, 4), null, new atlas.dataplane.LoopClock(), new atlas.dataplane.CoreInbox()), null);
        CounterDataPoint ok = metrics.responses.labelValues("0", "2xx", "200");
        Runnable exchange = () -> {
            ok.inc();
            core.duration.record(370_000);
            core.counters.requests.increment();
            core.counters.bytesSent.add(1500);
        };
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) {
            exchange.run();
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            exchange.run();
        }
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(1024);
        assertThat(ok.getLongValue()).isEqualTo(30_000);
        assertThat(core.counters.bytesSent.sum()).isEqualTo(30_000L * 1500);
    }
}
