package atlas.tls;

/**
 * Where the pieces of one O_DIRECT chunk read must land so that every TLS record is sealed in place, with no copy
 * of the body: the "gapped" layout. Static offset functions, no allocation (the shape of agrona's
 * {@code RecordDescriptor}).
 * <p>
 * A chunk of the object is read with one vectored read (io_uring {@code READV}, or {@code READV_FIXED} on
 * registered buffers, kernel 6.15+): piece {@code i} holds file bytes {@code [i * 2^14, (i+1) * 2^14)} of the
 * read and lands at {@code dataStart + i * stride(align)}. Between two pieces lies a gap of
 * {@link #gap(int, boolean)} bytes — a multiple of the O_DIRECT memory alignment — holding the trailer (content
 * type + tag) of record {@code i} and the header of record {@code i+1}. Each record is then sealed where it lies
 * and the records leave with one {@code sendmsg} whose iovecs skip the unused bytes of each gap.
 *
 * <pre>
 *   dataStart - gap     dataStart                      dataStart + 2^14         dataStart + stride
 *   |                   |                              |                        |
 *   +----------+--+-----+------------------------------+----+------+-------+----+------------------ ...
 *   | (head    |  | hdr | piece 0 = record 0 data      |type| tag  | unused| hdr| piece 1 = record 1
 *   |  record) |  | 0   | (O_DIRECT lands here)        |    |      |       | 1  | data ...
 *   +----------+--+-----+------------------------------+----+------+-------+----+------------------ ...
 *                 |<-------------- iovec 0: record 0 ----------------->|   |<-- iovec 1 ...
 *   A range that starts mid-block: the read starts at the block boundary and the first {@code skip} bytes of
 *   piece 0 are unwanted; record 0's header is written over the last 5 (13) of them and record 0 carries
 *   2^14 - skip bytes, so every later record still matches its piece exactly.
 * </pre>
 * Trade-off, honestly: zero copies of the body and no wire overhead, paid for with {@code gap} bytes of buffer
 * per 16 KiB piece (4 KiB at 4 KiB alignment: a 256 KiB chunk needs 320 KiB of buffer; at 512-byte alignment
 * 270 KiB) and one iovec per record on the read and on the send. The alternatives are in docs/tls.md: one
 * contiguous read then spreading the pieces (one memmove of the body per chunk, i.e. one copy), or TLS 1.3
 * padding that fills each gap so that records are contiguous (no copy, one flat send, but the padding is
 * encrypted and sent: ~3% at 512-byte alignment, 25% at 4 KiB; TLS 1.2 has no padding).
 */
public final class ChunkLayout {
    private ChunkLayout() {
    }

    /** The gap between two pieces: the record overhead rounded up to the O_DIRECT memory alignment. */
    public static int gap(int align, boolean tls13) {
        if (align <= 0 || Integer.bitCount(align) != 1 || align > RecordLayout.MAX_PLAINTEXT) {
            throw new IllegalArgumentException("alignment must be a power of two <= 16384: " + align);
        }
        int overhead = RecordLayout.overhead(tls13);
        return (overhead + align - 1) & -align;
    }

    /** Distance between the starts of two consecutive pieces in the buffer. */
    public static int stride(int align, boolean tls13) {
        return RecordLayout.MAX_PLAINTEXT + gap(align, tls13);
    }

    /** Records (= pieces) needed for {@code length} wanted bytes starting {@code skip} bytes into the read. */
    public static int recordCount(int skip, long length) {
        if (length <= 0) {
            return 0;
        }
        return (int) ((skip + length + RecordLayout.MAX_PLAINTEXT - 1) / RecordLayout.MAX_PLAINTEXT);
    }

    /** Offset of piece {@code i} from {@code dataStart}: where its part of the O_DIRECT read lands. */
    public static long pieceOffset(int i, int align, boolean tls13) {
        return (long) i * stride(align, tls13);
    }

    /**
     * Bytes piece {@code i} reads from the file: 2^14, except the last, whose length is rounded up to
     * {@code block} (O_DIRECT length alignment; the bytes past the wanted end are overwritten by the trailer or
     * never sent).
     */
    public static int pieceReadLength(int i, int skip, long length, int block) {
        long end = Math.min(skip + length, (long) (i + 1) * RecordLayout.MAX_PLAINTEXT);
        long start = (long) i * RecordLayout.MAX_PLAINTEXT;
        long n = end - start;
        return (int) ((n + block - 1) / block * block);
    }

    /** Offset from {@code dataStart} of record {@code i}'s first plaintext byte. */
    public static long plaintextOffset(int i, int skip, int align, boolean tls13) {
        return pieceOffset(i, align, tls13) + (i == 0 ? skip : 0);
    }

    /** Plaintext bytes of record {@code i}. */
    public static int plaintextLength(int i, int skip, long length) {
        long start = i == 0 ? skip : (long) i * RecordLayout.MAX_PLAINTEXT;
        long end = Math.min(skip + length, (long) (i + 1) * RecordLayout.MAX_PLAINTEXT);
        return (int) (end - start);
    }

    /** Offset from {@code dataStart} of record {@code i}'s header: what {@link RecordSealer#seal} is given. */
    public static long recordStart(int i, int skip, int align, boolean tls13) {
        return plaintextOffset(i, skip, align, tls13) - RecordLayout.headerLength(tls13);
    }

    /** Bytes from {@code dataStart} to the end of the last record's trailer: the data area this chunk needs. */
    public static long bufferBytes(int skip, long length, int align, boolean tls13) {
        int n = recordCount(skip, length);
        if (n == 0) {
            return 0;
        }
        int last = n - 1;
        return plaintextOffset(last, skip, align, tls13) + plaintextLength(last, skip, length)
                + RecordLayout.trailerLength(tls13);
    }

    /** Bytes on the wire for this chunk (sum of record lengths, no padding). */
    public static long wireBytes(int skip, long length, boolean tls13) {
        return length + (long) recordCount(skip, length) * RecordLayout.overhead(tls13);
    }

    /**
     * The largest wanted length a buffer with {@code dataCapacity} bytes after {@code dataStart} can frame; use it
     * to size chunks (e.g. 16 pieces need 16 strides).
     */
    public static long maxChunkLength(long dataCapacity, int align, boolean tls13) {
        long pieces = dataCapacity / stride(align, tls13);
        return pieces * RecordLayout.MAX_PLAINTEXT;
    }
}
