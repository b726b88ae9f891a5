package atlas.store;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * {@code index.snap}: every live record plus the highest sequence number it includes, so that start-up replays
 * only the journal entries written after it. Streamed (never held in memory as one buffer), big endian (Java
 * {@code DataOutput}): it is read and written only here, never on the data path.
 * <pre>
 *  header   MAGIC "ATLASNAP" long | VERSION int | VOLUME_ID hi long, lo long | HIGHEST_SEQUENCE long | COUNT long
 *  record   SEQUENCE long | EXTENT_OFFSET long | EXTENT_CAPACITY long | OBJECT_LENGTH long | MTIME_MILLIS long
 *           | OBJECT_CRC32C int | NAME_LENGTH short | CTYPE_LENGTH short | name (UTF-8) | content type
 *  trailer  CRC32C int of every byte before it
 * </pre>
 * Written to {@code index.snap.tmp}, fsync'd, renamed over {@code index.snap}, then the directory is fsync'd:
 * a reader sees the old checkpoint or the new one, never half of one.
 */
final class Checkpoint {
    static final String FILE_NAME = "index.snap";
    private static final String TEMP_NAME = "index.snap.tmp";
    /** "ATLASNAP" as ASCII, big endian. */
    private static final long MAGIC = 0x41544C41534E4150L;
    private static final int VERSION = 1;

    /** A loaded checkpoint; {@code records} reuse the journal entry shape (all PUTs). */
    record Snapshot(long highestSequence, List<JournalEntry> records, long sizeBytes) {
        static final Snapshot EMPTY = new Snapshot(0, List.of(), 0);
    }

    private Checkpoint() {
    }

    /** Writes a durable checkpoint of {@code records}; returns its size in bytes. */
    static long write(Path directory, Superblock volume, long highestSequence, Collection<ObjectRecord> records)
            throws IOException {
        Path temp = directory.resolve(TEMP_NAME);
        List<ObjectRecord> copy = new ArrayList<>(records); // a stable count even if the map changes
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            CRC32C crc = new CRC32C();
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(
                    new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20), crc));
            out.writeLong(MAGIC);
            out.writeInt(VERSION);
            out.writeLong(volume.volumeIdHi());
            out.writeLong(volume.volumeIdLo());
            out.writeLong(highestSequence);
            out.writeLong(copy.size());
            for (ObjectRecord r : copy) {
                byte[] name = r.key().toBytes();
                byte[] ct = r.contentType().getBytes(StandardCharsets.UTF_8);
                out.writeLong(r.sequence());
                out.writeLong(r.extent().address()); // offset and device (Extent#address)
                out.writeLong(r.extent().capacityBytes());
                out.writeLong(r.length());
                out.writeLong(r.mtimeMillis());
                out.writeInt(r.crc32c());
                out.writeShort(name.length);
                out.writeShort(ct.length);
                out.write(name);
                out.write(ct);
            }
            out.flush();
            int value = (int) crc.getValue();
            out.writeInt(value);
            out.flush();
            ch.force(true);
        }
        long size = Files.size(temp);
        Files.move(temp, directory.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        DataFile.syncDirectory(directory);
        return size;
    }

    /** Loads {@code index.snap}, or {@link Snapshot#EMPTY} if there is none. */
    static Snapshot read(Path directory, Superblock volume) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return Snapshot.EMPTY;
        }
        CRC32C crc = new CRC32C();
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(
                     new CheckedInputStream(new BufferedInputStream(raw, 1 << 20), crc))) {
            if (in.readLong() != MAGIC) {
                throw new IOException(file + " is not an Atlas checkpoint");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException(file + ": unsupported checkpoint version " + version);
            }
            if (in.readLong() != volume.volumeIdHi() || in.readLong() != volume.volumeIdLo()) {
                throw new IOException(file + " belongs to another volume than " + volume.volumeIdHex());
            }
            long highest = in.readLong();
            long count = in.readLong();
            if (count < 0 || count > Integer.MAX_VALUE) {
                throw new IOException(file + ": impossible record count " + count);
            }
            List<JournalEntry> records = new ArrayList<>((int) Math.min(count, 1 << 20));
            for (long i = 0; i < count; i++) {
                long sequence = in.readLong();
                long offset = in.readLong();
                long capacity = in.readLong();
                long length = in.readLong();
                long mtime = in.readLong();
                int objectCrc = in.readInt();
                byte[] name = new byte[in.readUnsignedShort()];
                byte[] ct = new byte[in.readUnsignedShort()];
                in.readFully(name);
                in.readFully(ct);
                records.add(new JournalEntry(JournalLayout.TYPE_PUT, (short) 0, sequence, name,
                        new String(ct, StandardCharsets.UTF_8), offset, capacity, length, objectCrc, mtime, -1));
            }
            int expected = (int) crc.getValue();
            if (in.readInt() != expected) {
                throw new IOException(file + ": checkpoint checksum mismatch; the index cannot be rebuilt safely"
                        + " (journals before it were truncated)");
            }
            return new Snapshot(highest, records, Files.size(file));
        } catch (EOFException e) {
            throw new IOException(file + ": checkpoint is truncated", e);
        }
    }
}
