package atlas.server;

import java.util.concurrent.atomic.LongAdder;

/**
 * One core's reads of one device: bytes, reads started and ended (their difference is the core's queue depth on
 * it), failures and the latency histogram. Written by the core's thread only, summed by scrapes
 * ({@link DeviceMetrics}).
 */
final class DeviceReadCounters {
    final LongAdder bytes = new LongAdder();
    final LongAdder started = new LongAdder();
    final LongAdder ended = new LongAdder();
    final LongAdder failed = new LongAdder();
    final MetricsHistogram latency = new MetricsHistogram(Metrics.DISK_BOUNDS);

    static DeviceReadCounters[] forDevices(int count) {
        DeviceReadCounters[] all = new DeviceReadCounters[count];
        for (int i = 0; i < count; i++) {
            all[i] = new DeviceReadCounters();
        }
        return all;
    }
}
