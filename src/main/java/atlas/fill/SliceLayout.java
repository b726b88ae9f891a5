package atlas.fill;

import atlas.store.ObjectKey;

/**
 * How an edge cuts a large upstream object into slices, as nginx's slice module does: slice {@code k} is bytes
 * {@code [k×S, (k+1)×S)} of the object, fetched with its own ranged request and stored as an object of its own, so a
 * range far into a large object on a miss waits for its slice, not for everything before it, and each slice is
 * kept or evicted on its own popularity.
 * <p>
 * A slice is stored under the object's name, {@code 0x01}, the slice size in KiB, {@code ':'} and the slice's index
 * (decimal). Names may not hold control bytes ({@link atlas.store.ObjectNames}, and the request parser refuses them
 * percent-encoded), so no client can name, write or read a slice: only this node's fills store them ({@code
 * Atlas-Slice} beside their secret). The size is in the name so that slices cut under another {@code --fill-slice}
 * (a restart with a new value) are never taken for this layout's: they are simply not found, and go as the evictor
 * gets to them. An object no larger than one slice is stored whole under its own name, as without slices.
 * <p>
 * Immutable; any thread.
 */
public final class SliceLayout {
    /** Between the object's name and the slice's size and index in a slice's stored name. */
    public static final byte SEPARATOR = 0x01;
    /** The smallest slice allowed: below it, per-slice upstream requests and commits cost more than they save. */
    public static final long MIN_SLICE_BYTES = 256 * 1024;
    /** The largest: a slice is one upload, and a seek waits for up to a whole slice. */
    public static final long MAX_SLICE_BYTES = 1L << 30;
    /** {@code --fill-slice}'s default: see docs/fill-slices.md for the measurement that chose it. */
    public static final long DEFAULT_SLICE_BYTES = 8L << 20;
    /** Bytes a slice key may add to its object's name: the separator, up to 7 digits of KiB, ':', 10 of index. */
    public static final int KEY_SUFFIX_BYTES = 19;
    /** No slicing: every object is fetched and stored whole. */
    public static final SliceLayout OFF = new SliceLayout(0);

    private final long sliceBytes;
    /** The name suffix's size part, "0x01 KiB :" (ASCII). */
    private final byte[] suffixHead;

    /** True when {@code sliceBytes} makes a layout: 0 (off), or a whole number of KiB within the bounds. */
    public static boolean valid(long sliceBytes) {
        return sliceBytes == 0
                || sliceBytes >= MIN_SLICE_BYTES && sliceBytes <= MAX_SLICE_BYTES && sliceBytes % 1024 == 0;
    }

    /** {@code sliceBytes}: S (a whole number of KiB), or 0 for no slicing. */
    public SliceLayout(long sliceBytes) {
        if (!valid(sliceBytes)) {
            throw new IllegalArgumentException("a slice must be a whole number of KiB from " + MIN_SLICE_BYTES
                    + " to " + MAX_SLICE_BYTES + " bytes: " + sliceBytes);
        }
        this.sliceBytes = sliceBytes;
        this.suffixHead = ((char) SEPARATOR + Long.toString(sliceBytes >> 10) + ":")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    public boolean on() {
        return sliceBytes > 0;
    }

    public long sliceBytes() {
        return sliceBytes;
    }

    /**
     * True when an object of a name of {@code nameBytes} bytes can be sliced: its slices' names must fit the journal
     * ({@link atlas.store.ObjectNames#MAX_LENGTH}); a longer one is always fetched whole.
     */
    public static boolean sliceable(int nameBytes) {
        return nameBytes + KEY_SUFFIX_BYTES <= atlas.store.ObjectNames.MAX_LENGTH;
    }

    /** The slice holding byte {@code offset}. */
    public int indexOf(long offset) {
        return Math.toIntExact(offset / sliceBytes);
    }

    /** The first byte of slice {@code k}. */
    public long start(int k) {
        return k * sliceBytes;
    }

    /** One past the last byte of slice {@code k} of an object of {@code completeLength} bytes. */
    public long end(int k, long completeLength) {
        return Math.min(start(k) + sliceBytes, completeLength);
    }

    /** The stored name of slice {@code k} of {@code object} (control path: allocates). */
    public String name(String object, int k) {
        return object + suffix(k);
    }

    /** What follows the object's name in slice {@code k}'s: also {@code Atlas-Slice}'s value, separator aside. */
    public String suffix(int k) {
        return (char) SEPARATOR + Long.toString(sliceBytes >> 10) + ":" + k;
    }

    /** An owned key of slice {@code k} of {@code object} (control path). */
    public ObjectKey key(String object, int k) {
        return ObjectKey.of(name(object, k));
    }

    /**
     * Writes the key of slice {@code k} of the object named by {@code name[0, length)} into {@code scratch} (at
     * least {@code length + KEY_SUFFIX_BYTES} long) and returns its length: the core's way to look a slice up
     * without allocating.
     */
    public int key(byte[] name, int length, int k, byte[] scratch) {
        System.arraycopy(name, 0, scratch, 0, length);
        System.arraycopy(suffixHead, 0, scratch, length, suffixHead.length);
        return atlas.http.AsciiDecimal.put(scratch, length + suffixHead.length, k);
    }

    /**
     * Writes the key of the slice an upload's {@code Atlas-Slice} value names ({@code value[offset, offset+length)},
     * "KiB:index" as {@link #suffix} makes it, separator aside) of the object {@code name[0, nameLength)} into
     * {@code scratch}; returns its length, or -1 when the value is not of that form.
     */
    public static int keyOfSuffix(byte[] name, int nameLength, java.nio.ByteBuffer value, int offset, int length,
                                  byte[] scratch) {
        if (length < 3 || length > KEY_SUFFIX_BYTES - 1) {
            return -1;
        }
        int colons = 0;
        for (int i = 0; i < length; i++) {
            byte b = value.get(offset + i);
            if (b == ':' && i > 0 && i < length - 1) {
                colons++;
            } else if (b < '0' || b > '9') {
                return -1;
            }
        }
        if (colons != 1) {
            return -1;
        }
        System.arraycopy(name, 0, scratch, 0, nameLength);
        scratch[nameLength] = SEPARATOR;
        for (int i = 0; i < length; i++) {
            scratch[nameLength + 1 + i] = value.get(offset + i);
        }
        return nameLength + 1 + length;
    }

    /** The slice index in a stored name; -1 for an object stored whole. */
    public static int index(String stored) {
        int at = stored.lastIndexOf(SEPARATOR);
        return at < 0 ? -1 : Integer.parseInt(stored, stored.indexOf(':', at) + 1, stored.length(), 10);
    }

    /** The layout a stored slice's name was cut under ({@link #OFF} for an object stored whole). */
    public static SliceLayout of(String stored) {
        int at = stored.lastIndexOf(SEPARATOR);
        return at < 0 ? OFF : new SliceLayout(Long.parseLong(stored, at + 1, stored.indexOf(':', at), 10) << 10);
    }

    /** The object a stored name belongs to: itself, or the object a slice is of. */
    public static String objectOf(String stored) {
        int at = stored.lastIndexOf(SEPARATOR);
        return at < 0 ? stored : stored.substring(0, at);
    }

    /** The text of a stored name as an operator reads it: a slice as "name [slice k of S KiB]". */
    public static String describe(String stored) {
        int at = stored.lastIndexOf(SEPARATOR);
        if (at < 0) {
            return stored;
        }
        int colon = stored.indexOf(':', at);
        return stored.substring(0, at) + " [slice " + stored.substring(colon + 1) + " of "
                + stored.substring(at + 1, colon) + " KiB]";
    }

    @Override
    public String toString() {
        return on() ? "slices of " + sliceBytes + " bytes" : "no slices";
    }
}
