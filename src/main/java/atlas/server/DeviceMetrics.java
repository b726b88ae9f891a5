package atlas.server;

import atlas.store.Device;
import atlas.store.Volume;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;

import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The {@code atlas_device_*} families: per device of the volume (label {@code device}, its index; the path is on
 * {@code atlas_device_info}) its state, room, reads (bytes, queue depth, latency, errors, summed over the cores'
 * {@link DeviceReadCounters}) and body writes in flight. Scrape path only.
 */
final class DeviceMetrics {
    private DeviceMetrics() {
    }

    static void register(PrometheusRegistry registry, Volume volume, List<MetricsCore> cores) {
        List<Device> devices = volume.devices();
        GaugeWithCallback.builder().name("atlas_device_info").help("One per device of the volume: its index, path "
                        + "and state (healthy or failed); the value is 1").labelNames("device", "path", "state")
                .callback(cb -> devices.forEach(d -> cb.call(1, label(d), d.path().toString(),
                        d.state().name().toLowerCase(java.util.Locale.ROOT)))).register(registry);
        deviceGauge(registry, devices, "atlas_device_up", "1 while the device serves, 0 once it failed (its objects"
                + " answer 503)", d -> d.failed() ? 0 : 1);
        deviceGauge(registry, devices, "atlas_device_capacity_bytes", "What the device may hold",
                Device::capacityBytes);
        deviceGauge(registry, devices, "atlas_device_free_bytes", "Free bytes of the device (inside its current "
                + "size)", Device::freeBytes);
        deviceGauge(registry, devices, "atlas_device_writes_in_flight", "Object body writes submitted to the device "
                + "and not completed (ingest prefers other devices from 32)", Device::writesInFlight);
        deviceCounter(registry, devices, "atlas_device_read_errors", "Reads of the device that failed or came back "
                + "short", Device::readErrors);
        deviceCounter(registry, devices, "atlas_device_write_errors", "Writes to the device that failed",
                Device::writeErrors);
        readCounter(registry, devices, cores, "atlas_device_read_bytes", "Bytes read from the device for responses",
                c -> c.bytes.sum());
        GaugeWithCallback.builder().name("atlas_device_reads_in_flight").help("Object reads submitted to the device"
                        + " and not completed, all cores: its queue depth from Atlas").labelNames("device")
                .callback(cb -> {
                    for (Device d : devices) {
                        long depth = 0;
                        for (MetricsCore c : cores) {
                            DeviceReadCounters r = c.devices[d.index()];
                            depth += r.started.sum() - r.ended.sum();
                        }
                        cb.call(Math.max(0, depth), label(d));
                    }
                }).register(registry);
        registry.register(() -> {
            HistogramSnapshot.Builder h = HistogramSnapshot.builder().name("atlas_device_read_duration_seconds")
                    .help("O_DIRECT object reads of the device, submission to completion, all cores");
            for (Device d : devices) {
                long[] sum = null;
                double seconds = 0;
                for (MetricsCore c : cores) {
                    long[] counts = c.devices[d.index()].latency.counts();
                    if (sum == null) {
                        sum = counts;
                    } else {
                        for (int i = 0; i < sum.length; i++) {
                            sum[i] += counts[i];
                        }
                    }
                    seconds += c.devices[d.index()].latency.sumSeconds();
                }
                if (sum != null) {
                    h.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                            .classicHistogramBuckets(ClassicHistogramBuckets.of(Metrics.DISK_BOUNDS_WITH_INF, sum))
                            .sum(seconds).labels(Labels.of("device", label(d))).build());
                }
            }
            return h.build();
        });
    }

    private static String label(Device d) {
        return Integer.toString(d.index());
    }

    private static void deviceGauge(PrometheusRegistry registry, List<Device> devices, String name, String help,
                                    ToLongFunction<Device> value) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("device")
                .callback(cb -> devices.forEach(d -> cb.call(value.applyAsLong(d), label(d)))).register(registry);
    }

    private static void deviceCounter(PrometheusRegistry registry, List<Device> devices, String name, String help,
                                      ToLongFunction<Device> value) {
        CounterWithCallback.builder().name(name).help(help).labelNames("device")
                .callback(cb -> devices.forEach(d -> cb.call(value.applyAsLong(d), label(d)))).register(registry);
    }

    private static void readCounter(PrometheusRegistry registry, List<Device> devices, List<MetricsCore> cores,
                                    String name, String help, Function<DeviceReadCounters, Long> value) {
        CounterWithCallback.builder().name(name).help(help).labelNames("device").callback(cb -> {
            for (Device d : devices) {
                long total = 0;
                for (MetricsCore c : cores) {
                    total += value.apply(c.devices[d.index()]);
                }
                cb.call(total, label(d));
            }
        }).register(registry);
    }
}
