package atlas.store;

import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Rebuilds a {@link Volume}'s index at open: load the checkpoint, replay every journal's entries newer than it in
 * global sequence order (one counter numbers the entries of all journals, so the later write wins), check the
 * bodies of PUTs no CONFIRM covers, then derive each device's free space as everything not covered by a live
 * record (frees are never journaled). When the journals have grown much larger than the live set, or entries were
 * dropped, a fresh checkpoint makes the outcome final. Start-up only, one thread.
 */
final class VolumeRecovery {
    private final Volume volume;
    private final PrintStream warnings;
    private final Path directory;
    private final ObjectIndex index;

    VolumeRecovery(Volume volume, PrintStream warnings) {
        this.volume = volume;
        this.warnings = warnings;
        this.directory = volume.directory();
        this.index = volume.index();
    }

    void run() throws IOException {
        Superblock sb = volume.superblock();
        Checkpoint.Snapshot snap = Checkpoint.read(directory, sb);
        volume.lastCheckpointBytes(snap.sizeBytes());
        for (JournalEntry e : snap.records()) {
            index.load(recordOf(e));
        }
        long highest = snap.highestSequence();
        List<JournalEntry> newer = new ArrayList<>();
        Set<JournalEntry> unconfirmed = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<JournalEntry, Path> inlineSources = new IdentityHashMap<>();
        List<JournalReader.Skipped> skipped = new ArrayList<>();
        long journalBytes = 0;
        // A journal id's files (sealed ones and the live one) are read together: CONFIRMs may follow a rotation.
        Map<Integer, List<JournalReader.Result>> byId = new LinkedHashMap<>();
        Map<JournalReader.Result, Path> fileOf = new IdentityHashMap<>();
        for (Path file : volume.journalFiles()) {
            JournalReader.Result r = JournalReader.readAndRepair(file, sb, warnings);
            journalBytes += r.endBytes();
            if (r.journalId() >= 0 && file.getFileName().toString().equals(Journal.fileName(r.journalId()))) {
                volume.journalEnded(r.journalId(), r.endBytes());
            }
            skipped.addAll(r.skipped());
            byId.computeIfAbsent(r.journalId(), id -> new ArrayList<>()).add(r);
            fileOf.put(r, file);
        }
        for (List<JournalReader.Result> files : byId.values()) {
            Set<JournalEntry> notConfirmed = JournalReader.unconfirmed(files);
            for (JournalReader.Result r : files) {
                for (JournalEntry e : r.entries()) {
                    if (e.sequence() > snap.highestSequence()) {
                        newer.add(e);
                        highest = Math.max(highest, e.sequence());
                        if (notConfirmed.contains(e)) {
                            unconfirmed.add(e);
                            if (e.bodyInline()) {
                                inlineSources.put(e, fileOf.get(r));
                            }
                        }
                    }
                }
            }
        }
        // One sort merges the journals: within a journal entries are already in order, across journals the
        // global sequence decides (a later write wins regardless of which core made it).
        newer.sort(Comparator.comparingLong(JournalEntry::sequence));
        RecoveryReport report = new RecoveryReport(directory, warnings);
        List<JournalEntry> inlineLive = new ArrayList<>();
        if (unconfirmed.isEmpty()) {
            for (JournalEntry e : newer) {
                apply(e);
            }
        } else {
            replayCheckingBodies(newer, unconfirmed, report, inlineLive);
        }
        volume.sequenceStartsAt(highest);
        deriveFreeSpace(warnings);
        if (!inlineLive.isEmpty()) {
            repairInlineExtents(inlineLive, inlineSources, report);
        }
        if (!skipped.isEmpty()) {
            // A lost entry may have been a PUT or DELETE that superseded an older version whose extent was then
            // reused: the older record would now describe someone else's bytes. Check every live body once.
            checkAllBodies(skipped, report);
        }
        report.printSummary();
        boolean dropped = report.dropped() > 0 || !skipped.isEmpty();
        if (dropped || (journalBytes > Volume.CHECKPOINT_MIN_JOURNAL_BYTES && journalBytes > 2 * snap.sizeBytes())) {
            // After dropping entries, a checkpoint makes the outcome final: a dropped entry is never reconsidered
            // (its extent may be reused by then, even by identical bytes).
            volume.checkpointAndTruncateJournals();
        }
    }

    private void apply(JournalEntry e) {
        if (e.isPut()) {
            index.load(recordOf(e));
        } else {
            index.unload(ObjectKey.copyOf(e.name(), e.name().length));
        }
    }

    /**
     * Replay when some PUTs are unconfirmed (their body was written concurrently with the entry and no CONFIRM
     * says it landed). Per name, the newest entry decides; an unconfirmed PUT decides only if its extent matches
     * its CRC, else it is dropped and the next older entry of that name gets the same test, down to the
     * checkpoint's record. This is sound because an entry whose body did not land was never published: so it
     * never retired the version before it, whose extent is still intact (or was checked the same way). Entries
     * superseded by a newer decisive one are not read at all.
     */
    private void replayCheckingBodies(List<JournalEntry> newer, Set<JournalEntry> unconfirmed, RecoveryReport report,
                                      List<JournalEntry> inlineLive) throws IOException {
        Map<ObjectKey, List<JournalEntry>> byName = new LinkedHashMap<>();
        for (JournalEntry e : newer) {
            byName.computeIfAbsent(ObjectKey.copyOf(e.name(), e.name().length), k -> new ArrayList<>()).add(e);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(Volume.CHUNK_BYTES, Volume.BLOCK_SIZE);
            for (Map.Entry<ObjectKey, List<JournalEntry>> n : byName.entrySet()) {
                List<JournalEntry> entries = n.getValue();
                List<ObjectRecord> dropped = null;
                for (int i = entries.size() - 1; i >= 0; i--) {
                    JournalEntry e = entries.get(i);
                    if (!unconfirmed.contains(e)) {
                        apply(e);
                        break;
                    }
                    if (e.bodyInline()) {
                        // The entry is the durable copy of the body: decisive; its extent is checked once the
                        // free space is known (repairInlineExtents).
                        apply(e);
                        inlineLive.add(e);
                        break;
                    }
                    ObjectRecord candidate = recordOf(e);
                    BodyCheck check = inDataFile(candidate) ? check(volume, candidate, chunk) : BodyCheck.MISMATCH;
                    report.checked(check != BodyCheck.MISMATCH);
                    if (check == BodyCheck.UNREADABLE) {
                        // No way to tell whether it landed: keep it (a GET fails like for any unreadable extent)
                        // rather than silently fall back to an older version.
                        report.unreadable(candidate);
                    }
                    if (check != BodyCheck.MISMATCH) {
                        index.load(candidate);
                        break;
                    }
                    dropped = dropped == null ? new ArrayList<>() : dropped;
                    dropped.add(candidate);
                }
                if (dropped != null) {
                    report.droppedUnacknowledged(dropped, index.get(n.getKey()));
                }
            }
        }
    }

    /**
     * The extents of unconfirmed inline PUTs that are still live: each is compared with its CRC and, where its
     * write never reached the disk, rewritten durably from the body in the journal entry. Runs after
     * {@link #deriveFreeSpace}, so an extent that now belongs to someone else (possible only after a corrupt range)
     * is never written: such a record was dropped there. Bounded by the PUTs of the last data-sync interval.
     */
    private void repairInlineExtents(List<JournalEntry> inlineLive, Map<JournalEntry, Path> sources,
                                     RecoveryReport report) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(Volume.CHUNK_BYTES, Volume.BLOCK_SIZE);
            for (JournalEntry e : inlineLive) {
                ObjectRecord live = index.get(ObjectKey.copyOf(e.name(), e.name().length));
                if (live == null || live.sequence() != e.sequence()) {
                    continue;
                }
                BodyCheck check = check(volume, live, chunk);
                report.checked(check == BodyCheck.INTACT);
                if (check == BodyCheck.INTACT) {
                    continue;
                }
                try {
                    int length = (int) e.objectLength();
                    MemorySegment body = chunk.asSlice(0, Layouts.roundUpToBlock(Math.max(length, 1)));
                    body.fill((byte) 0);
                    try (FileChannel ch = FileChannel.open(sources.get(e), StandardOpenOption.READ)) {
                        java.nio.ByteBuffer dst = body.asSlice(0, length).asByteBuffer();
                        while (dst.hasRemaining()) {
                            if (ch.read(dst, e.inlineBodyAt() + dst.position()) < 0) {
                                throw new EOFException("journal ends inside the entry");
                            }
                        }
                    }
                    volume.writeDurable(live.extent().device(), body, live.offsetBytes());
                    report.repaired();
                } catch (IOException | IllegalArgumentException x) {
                    report.unrepairable(live, x.getMessage());
                }
            }
        }
    }

    /** After a skipped (corrupt) journal range: re-reads every live object, drops those whose CRC fails. */
    private void checkAllBodies(List<JournalReader.Skipped> skipped, RecoveryReport report) throws IOException {
        List<ObjectRecord> live = new ArrayList<>(index.records());
        live.sort(BY_PLACE);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(Volume.CHUNK_BYTES, Volume.BLOCK_SIZE);
            for (ObjectRecord r : live) {
                BodyCheck check = check(volume, r, chunk);
                report.checked(check != BodyCheck.MISMATCH);
                if (check == BodyCheck.UNREADABLE) {
                    report.unreadable(r);
                } else if (check == BodyCheck.MISMATCH) {
                    index.unload(r.key());
                    report.droppedAfterCorruption(r);
                }
            }
        }
        report.corruption(skipped, live.size());
        if (report.droppedAfterCorruption() > 0) {
            deriveFreeSpace(report.warnings());
        }
    }

    private boolean inDataFile(ObjectRecord r) {
        int d = r.extent().device();
        return d < volume.deviceCount() && r.offsetBytes() >= Volume.BLOCK_SIZE
                && r.extent().endBytes() <= volume.device(d).file().sizeBytes() && r.length() <= r.extent().capacityBytes();
    }

    /** Live records by device, then offset: the order free space is derived and bodies are re-read in. */
    static final Comparator<ObjectRecord> BY_PLACE = Comparator
            .comparingInt((ObjectRecord r) -> r.extent().device()).thenComparingLong(ObjectRecord::offsetBytes);

    /**
     * Free space = [block 1, device size) minus live extents, per device. A record whose extent lies past its
     * device's end (or names no device) or overlaps another (possible only after a skipped, corrupt journal entry)
     * is dropped, keeping the newer one.
     */
    private void deriveFreeSpace(PrintStream warnings) {
        List<ObjectRecord> live = new ArrayList<>(index.records());
        live.sort(BY_PLACE);
        List<List<Extent>> used = new ArrayList<>(volume.deviceCount());
        for (int i = 0; i < volume.deviceCount(); i++) {
            used.add(new ArrayList<>());
        }
        ObjectRecord prev = null;
        for (ObjectRecord r : live) {
            int d = r.extent().device();
            long size = d < volume.deviceCount() ? volume.device(d).file().sizeBytes() : 0;
            if (r.offsetBytes() < Volume.BLOCK_SIZE || r.extent().endBytes() > size) {
                warnings.println("atlas: warning: " + directory + ": dropping " + r.name() + ": extent "
                        + r.extent() + " outside its device (" + size + " bytes)");
                index.unload(r.key());
                continue;
            }
            if (prev != null && prev.extent().device() != d) {
                prev = null;
            }
            if (prev != null && r.offsetBytes() < prev.extent().endBytes()) {
                ObjectRecord loser = r.sequence() < prev.sequence() ? r : prev;
                warnings.println("atlas: warning: " + directory + ": extents of " + prev.name() + " and "
                        + r.name() + " overlap; dropping the older, " + loser.name());
                index.unload(loser.key());
                if (loser == r) {
                    continue;
                }
                used.get(d).removeLast();
            }
            used.get(d).add(r.extent());
            prev = r;
        }
        for (int i = 0; i < volume.deviceCount(); i++) {
            volume.device(i).allocator().rebuild(used.get(i));
        }
    }


    private ObjectRecord recordOf(JournalEntry e) {
        return volume.newRecord(ObjectKey.copyOf(e.name(), e.name().length), Extent.atAddress(e.extentOffset(),
                e.extentCapacity()), e.objectLength(), e.contentType(), e.objectCrc(), e.mtimeMillis(), e.sequence());
    }


    /** What re-reading a body found. */
    enum BodyCheck { INTACT, MISMATCH, UNREADABLE }

    /** Re-reads {@code r}'s bytes (O_DIRECT) and compares their CRC32C; a read error is UNREADABLE, not thrown. */
    static BodyCheck check(Volume volume, ObjectRecord r, MemorySegment chunk) {
        CRC32C crc = new CRC32C();
        long done = 0;
        try {
            while (done < r.length()) {
                int count = (int) Math.min(Volume.CHUNK_BYTES, r.length() - done);
                int padded = (int) Layouts.roundUpToBlock(count);
                if (volume.read(r.extent().device(), chunk.asSlice(0, padded), r.offsetBytes() + done) < count) {
                    return BodyCheck.MISMATCH; // the data file ends inside the object
                }
                crc.update(chunk.asSlice(0, count).asByteBuffer());
                done += count;
            }
        } catch (IOException e) {
            return BodyCheck.UNREADABLE;
        }
        return (int) crc.getValue() == r.crc32c() ? BodyCheck.INTACT : BodyCheck.MISMATCH;
    }
}
