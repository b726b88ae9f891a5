package atlas.fill;

import atlas.store.ObjectRecord;
import atlas.store.UpstreamCopy;
import atlas.store.Volume;
import atlas.store.VolumeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CopyLedgerTest {
    private static UpstreamCopy.Terms terms(long freshUntil, String etag) {
        return new UpstreamCopy.Terms(1_000, 3, freshUntil, 5_000, 60_000, etag, "Tue, 01 Dec 2026 10:00:00 GMT",
                "public, max-age=60");
    }

    private static ObjectRecord put(Volume v, String name, String body) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocateFrom(body);
            return v.putDurably(name, s.asSlice(0, body.length()), "video/mp2t");
        }
    }

    @Test
    void shouldKeepCopiesAcrossARestartAndDropVersionsReplacedSince(@TempDir Path dir) throws Exception {
        VolumeConfig config = VolumeConfig.defaults(dir);
        try (Volume v = Volume.open(config)) {
            ObjectRecord a = put(v, "vod/a.ts", "aaaa");
            ObjectRecord b = put(v, "vod/b.ts", "bbbb");
            put(v, "vod/origin.ts", "put here directly");
            try (CopyLedger ledger = CopyLedger.open(dir, v, new ArrayList<>())) {
                ledger.stored(a, terms(50_000, "\"a1\""));
                UpstreamCopy copyB = ledger.stored(b, terms(50_000, "\"b1\""));
                ledger.refreshed(copyB, terms(90_000, "\"b1\""));
                assertThat(a.upstreamCopy()).isNotNull();
            }
            put(v, "vod/a.ts", "origin content now"); // a newer version PUT here: not a copy
        }
        try (Volume v = Volume.open(config)) {
            List<UpstreamCopy> restored = new ArrayList<>();
            try (CopyLedger _ = CopyLedger.open(dir, v, restored)) {
                assertThat(restored).extracting(c -> c.record().name()).containsExactly("vod/b.ts");
                assertThat(restored.getFirst().terms()).isEqualTo(terms(90_000, "\"b1\"")); // the refresh won
                assertThat(v.lookup("vod/a.ts").upstreamCopy()).isNull();
                assertThat(v.lookup("vod/origin.ts").upstreamCopy()).isNull();
            }
        }
    }

    @Test
    void shouldStopAtATornLastRecordKeepingWhatCameBefore(@TempDir Path dir) throws Exception {
        VolumeConfig config = VolumeConfig.defaults(dir);
        try (Volume v = Volume.open(config)) {
            ObjectRecord a = put(v, "a", "1");
            ObjectRecord b = put(v, "b", "2");
            try (CopyLedger ledger = CopyLedger.open(dir, v, new ArrayList<>())) {
                ledger.stored(a, terms(1, null));
                ledger.stored(b, terms(2, null));
            }
        }
        Path file = dir.resolve(CopyLedger.FILE_NAME);
        long size = Files.size(file);
        try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size - 3); // a crash in the middle of the second append
        }
        try (Volume v = Volume.open(config)) {
            List<UpstreamCopy> restored = new ArrayList<>();
            try (CopyLedger _ = CopyLedger.open(dir, v, restored)) {
                assertThat(restored).extracting(c -> c.record().name()).containsExactly("a");
                assertThat(v.lookup("b").upstreamCopy()).isNull(); // kept as origin content: nothing lost
            }
        }
    }

    @Test
    void shouldCompactToTheLiveCopies(@TempDir Path dir) throws Exception {
        VolumeConfig config = VolumeConfig.defaults(dir);
        try (Volume v = Volume.open(config)) {
            ObjectRecord a = put(v, "a", "1");
            try (CopyLedger ledger = CopyLedger.open(dir, v, new ArrayList<>())) {
                UpstreamCopy copy = ledger.stored(a, terms(1, "\"x\""));
                for (int i = 0; i < 2000; i++) {
                    ledger.refreshed(copy, terms(i, "\"x\""));
                }
                // While open (a graceful stop rewrites it anyway): compacted on the way, at 3 × the live copies.
                long oneRecord = CopyLedger.encode("a", a.sequence(), terms(1, "\"x\""), 0).length;
                assertThat(Files.size(dir.resolve(CopyLedger.FILE_NAME))).isLessThan(1100 * oneRecord);
            }
        }
    }

    @Test
    void shouldKeepEachCopysEvictionFrequencyAcrossAGracefulStop(@TempDir Path dir) throws Exception {
        VolumeConfig config = VolumeConfig.defaults(dir);
        try (Volume v = Volume.open(config)) {
            ObjectRecord hot = put(v, "hot", "1");
            ObjectRecord warm = put(v, "warm", "2");
            ObjectRecord cold = put(v, "cold", "3");
            try (CopyLedger ledger = CopyLedger.open(dir, v, new ArrayList<>())) {
                UpstreamCopy h = ledger.stored(hot, terms(1, null));
                UpstreamCopy w = ledger.stored(warm, terms(1, null));
                ledger.stored(cold, terms(1, null));
                for (int i = 0; i < 5; i++) {
                    h.touch(); // saturates at 3
                }
                w.touch();
            }
        }
        try (Volume v = Volume.open(config)) {
            List<UpstreamCopy> restored = new ArrayList<>();
            try (CopyLedger _ = CopyLedger.open(dir, v, restored)) {
                assertThat(restored).extracting(c -> c.record().name() + "=" + c.frequency())
                        .containsExactly("hot=3", "warm=1", "cold=0"); // oldest write first, as S3-FIFO rebuilds
            }
        }
    }

    /**
     * {@code record} as an older ledger wrote it: its payload without the last {@code tailBytes} (the fields added
     * since), under a length and CRC of its own.
     */
    private static byte[] withoutTail(byte[] record, int tailBytes) {
        byte[] payload = java.util.Arrays.copyOfRange(record, 8, record.length - tailBytes);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(payload);
        return java.nio.ByteBuffer.allocate(8 + payload.length).putInt(payload.length).putInt((int) crc.getValue())
                .put(payload).array();
    }

    @Test
    void shouldReadARecordWrittenWithoutAFrequencyAsZero(@TempDir Path dir) throws Exception {
        VolumeConfig config = VolumeConfig.defaults(dir);
        try (Volume v = Volume.open(config)) {
            ObjectRecord a = put(v, "a", "1");
            // A record as the ledger wrote them before frequencies: the same payload without its last byte and the
            // complete length after it.
            Files.write(dir.resolve(CopyLedger.FILE_NAME),
                    withoutTail(CopyLedger.encode("a", a.sequence(), terms(7, "\"e\""), 2), 1 + Long.BYTES));
            List<UpstreamCopy> restored = new ArrayList<>();
            try (CopyLedger _ = CopyLedger.open(dir, v, restored)) {
                assertThat(restored).hasSize(1);
                assertThat(restored.getFirst().terms()).isEqualTo(terms(7, "\"e\""));
                assertThat(restored.getFirst().frequency()).isZero();
            }
        }
    }

    @Test
    void shouldKeepASlicesCompleteLengthAndReadOlderRecordsAsWholeObjects(@TempDir Path dir) throws Exception {
        VolumeConfig config = VolumeConfig.defaults(dir);
        try (Volume v = Volume.open(config)) {
            ObjectRecord slice = put(v, "m", "0123"); // the ledger keeps terms by name, whatever the name
            ObjectRecord whole = put(v, "b", "1");
            UpstreamCopy.Terms sliced = terms(9, "\"s\"").sliceOf(123_456_789L);
            try (CopyLedger ledger = CopyLedger.open(dir, v, new ArrayList<>())) {
                ledger.stored(slice, sliced);
            }
            // A record as the ledger wrote them before slices: frequency byte, no complete length.
            Files.write(dir.resolve(CopyLedger.FILE_NAME),
                    withoutTail(CopyLedger.encode("b", whole.sequence(), terms(7, "\"e\""), 1), Long.BYTES),
                    java.nio.file.StandardOpenOption.APPEND);
            List<UpstreamCopy> restored = new ArrayList<>();
            try (CopyLedger _ = CopyLedger.open(dir, v, restored)) {
                assertThat(restored).hasSize(2);
                assertThat(restored.get(0).terms()).isEqualTo(sliced);
                assertThat(restored.get(0).terms().completeLength()).isEqualTo(123_456_789L);
                assertThat(restored.get(1).terms().completeLength()).isEqualTo(UpstreamCopy.Terms.WHOLE);
                assertThat(restored.get(1).frequency()).isEqualTo(1);
            }
        }
    }
}
