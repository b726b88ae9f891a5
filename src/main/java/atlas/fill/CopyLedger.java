package atlas.fill;

import atlas.evict.Evictable;
import atlas.store.ObjectRecord;
import atlas.store.UpstreamCopy;
import atlas.store.Volume;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * {@code DATA/upstream-copies}: which stored versions are an edge's copies of upstream objects, with their terms,
 * so that a restarted edge keeps its cache — knows what it may evict, until when each copy is fresh, and how to
 * revalidate it. Objects themselves are in the volume (journaled like any upload); this names them by name and
 * journal sequence, so an entry whose version was since overwritten by origin content (PUT here directly) or
 * deleted matches nothing and is dropped.
 * <p>
 * Append-only records, each {@code LENGTH int | CRC32C int | payload}; a torn last record (a crash mid-append)
 * fails its CRC and ends the load. A record is appended, and forced, once the fill is acknowledged durable; a
 * crash in between leaves that one version unmarked: it is then served and kept as origin content (never evicted)
 * — the only cost of the window, and it loses nothing. Refreshes (304s) are appended unforced: losing one costs
 * one revalidation. The file is rewritten from the live copies at start-up, whenever it holds three times more
 * records than there are copies, and at a graceful stop.
 * <p>
 * A record ends with the copy's eviction frequency (S3-FIFO's 2-bit counter, a trailing byte that older records
 * lack: they read as 0), then, for a slice of a large object, the object's complete length (a trailing long, read
 * as "whole object" when absent). Appends carry it as it is then (0 for a new fill); the rewrite at a graceful stop carries
 * every copy's current count, so a restarted edge rebuilds its queue with the hits it had seen and loses almost
 * none of its hit ratio (docs/volume-cache-eviction.md: 0.1–0.5 points over the next 10 000 requests, against
 * 3.5–6.2 without). A crash keeps the counts of the last rewrite.
 * <p>
 * Threads: fill threads and the evictor; every method is synchronized (control path, never a core).
 */
public final class CopyLedger implements AutoCloseable {
    static final String FILE_NAME = "upstream-copies";
    private static final int MAX_RECORD = 64 * 1024;

    private final Path file;
    private final Volume volume;
    private FileChannel channel;
    private long records;
    private long liveCopies;

    private CopyLedger(Path file, Volume volume) {
        this.file = file;
        this.volume = volume;
    }

    /**
     * Opens the ledger of {@code directory}, marks every live version it names as an upstream copy (returned in
     * journal order: oldest write first, as the eviction policy is rebuilt), and rewrites it compacted.
     */
    public static CopyLedger open(Path directory, Volume volume, List<UpstreamCopy> restored) throws IOException {
        CopyLedger ledger = new CopyLedger(directory.resolve(FILE_NAME), volume);
        Map<String, Entry> last = new HashMap<>();
        if (Files.exists(ledger.file)) {
            try (InputStream in = Files.newInputStream(ledger.file)) {
                DataInputStream data = new DataInputStream(new java.io.BufferedInputStream(in));
                Entry e;
                while ((e = readRecord(data)) != null) {
                    last.put(e.name, e); // later records are newer: a refresh replaces the stored terms
                }
            }
        }
        List<UpstreamCopy> copies = new ArrayList<>();
        for (Entry e : last.values()) {
            ObjectRecord record = volume.lookup(e.name);
            if (record != null && record.sequence() == e.sequence) {
                UpstreamCopy copy = new UpstreamCopy(record, e.terms);
                copy.frequency(e.frequency);
                record.markUpstreamCopy(copy);
                copies.add(copy);
            }
        }
        copies.sort(java.util.Comparator.comparingLong(c -> c.record().sequence()));
        restored.addAll(copies);
        ledger.rewrite();
        return ledger;
    }

    /** A fill was stored durably as {@code record}: marks it, and records it before it returns. */
    public synchronized UpstreamCopy stored(ObjectRecord record, UpstreamCopy.Terms terms) {
        UpstreamCopy copy = record.upstreamCopy(); // marked at its commit already, as a rule
        if (copy == null || copy.terms() != terms) {
            copy = new UpstreamCopy(record, terms);
            record.markUpstreamCopy(copy);
        }
        liveCopies++;
        append(record, terms, copy.frequency(), true);
        return copy;
    }

    /** A 304 renewed {@code copy}'s terms. */
    public synchronized void refreshed(UpstreamCopy copy, UpstreamCopy.Terms terms) {
        copy.refresh(terms);
        if (!copy.gone()) {
            append(copy.record(), terms, copy.frequency(), false);
        }
    }

    /** {@code copy} was evicted or replaced: one fewer live copy (for the compaction's arithmetic). */
    public synchronized void dropped() {
        liveCopies = Math.max(0, liveCopies - 1);
    }

    private void append(ObjectRecord record, UpstreamCopy.Terms terms, int frequency, boolean force) {
        try {
            channel.write(ByteBuffer.wrap(encode(record.name(), record.sequence(), terms, frequency)));
            if (force) {
                channel.force(false);
            }
            records++;
            if (records > 3 * liveCopies + 1024) {
                rewrite();
            }
        } catch (IOException e) {
            // The copy is served either way; without its record a restart keeps it as origin content.
            throw new UncheckedIOException("writing " + file, e);
        }
    }

    /** Rewrites the file from the live copies: a temporary file, forced, renamed over the old one. */
    private void rewrite() throws IOException {
        Path temp = file.resolveSibling(FILE_NAME + ".tmp");
        long count = 0;
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (ObjectRecord r : volume.records()) {
                UpstreamCopy copy = r.upstreamCopy();
                if (copy != null && !copy.gone()) {
                    ByteBuffer b = ByteBuffer.wrap(encode(r.name(), r.sequence(), copy.terms(), copy.frequency()));
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                    count++;
                }
            }
            out.force(true);
        }
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
        if (channel != null) {
            channel.close();
        }
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        records = count;
        liveCopies = count;
    }

    private record Entry(String name, long sequence, UpstreamCopy.Terms terms, int frequency) {
    }

    static byte[] encode(String name, long sequence, UpstreamCopy.Terms t, int frequency) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(0);
            out.writeInt(0);
            out.writeUTF(name);
            out.writeLong(sequence);
            out.writeLong(t.responseMillis());
            out.writeLong(t.initialAgeSeconds());
            out.writeLong(t.freshUntilMillis());
            out.writeLong(t.staleWhileRevalidateMillis());
            out.writeLong(t.staleIfErrorMillis());
            writeOptional(out, t.etag());
            writeOptional(out, t.lastModified());
            writeOptional(out, t.cacheControl());
            out.writeByte(Math.clamp(frequency, 0, Evictable.MAX_FREQUENCY));
            out.writeLong(t.completeLength());
            byte[] b = bytes.toByteArray();
            int length = b.length - 8;
            CRC32C crc = new CRC32C();
            crc.update(b, 8, length);
            ByteBuffer.wrap(b).putInt(length).putInt((int) crc.getValue());
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
    }

    /** The next record, or null at the end or at a torn or corrupt record (nothing after it is trusted). */
    static Entry readRecord(DataInputStream in) throws IOException {
        int length;
        int crc;
        try {
            length = in.readInt();
            crc = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        if (length <= 0 || length > MAX_RECORD) {
            return null;
        }
        byte[] payload = new byte[length];
        try {
            in.readFully(payload);
        } catch (EOFException e) {
            return null;
        }
        CRC32C check = new CRC32C();
        check.update(payload);
        if ((int) check.getValue() != crc) {
            return null;
        }
        DataInputStream p = new DataInputStream(new java.io.ByteArrayInputStream(payload));
        String name = p.readUTF();
        long sequence = p.readLong();
        long responseMillis = p.readLong();
        long initialAge = p.readLong();
        long freshUntil = p.readLong();
        long whileRevalidate = p.readLong();
        long ifError = p.readLong();
        String etag = readOptional(p);
        String lastModified = readOptional(p);
        String cacheControl = readOptional(p);
        int frequency = p.available() > 0 ? Math.clamp(p.readUnsignedByte(), 0, Evictable.MAX_FREQUENCY) : 0;
        long completeLength = p.available() >= Long.BYTES ? p.readLong() : UpstreamCopy.Terms.WHOLE;
        UpstreamCopy.Terms terms = new UpstreamCopy.Terms(responseMillis, initialAge, freshUntil, whileRevalidate,
                ifError, etag, lastModified, cacheControl, completeLength);
        return new Entry(name, sequence, terms, frequency);
    }

    private static void writeOptional(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeUTF(value);
        }
    }

    private static String readOptional(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    /**
     * A graceful stop: the file is rewritten with every copy's frequency as it is now (the cores have stopped, so
     * the counts no longer move), then closed.
     */
    @Override
    public synchronized void close() throws IOException {
        if (channel == null) {
            return;
        }
        try {
            rewrite();
        } finally {
            channel.close();
            channel = null;
        }
    }
}
