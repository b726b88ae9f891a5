package atlas.fill;

import atlas.store.ObjectKey;

/**
 * How an edge cuts a large upstream object into slices, as nginx's slice module does: slice {@code k} is bytes
 * {@code [k×S, (k+1)×S)} of the object, fetched with its own ranged request and stored as an object of its own, so a
 * range far into a large object on a miss waits for its slice, not for everything before it, and each slice is
 * kept or evicted on its own popularity.
 * <p>
 * A slice is stored under the object's name, {@code 0x01} and the slice's decimal index. Names may not hold control
 * bytes ({@link atlas.store.ObjectNames}, and the request parser refuses them percent-encoded), so no client can
 * name, write or read a slice: only this node's fills store them ({@code Atlas-Slice} beside their secret). An
 * object no larger than one slice is stored whole under its own name, as without slices.
 * <p>
 * Immutable; any thread.
 */
public final class SliceLayout {
    /** Between the object's name and the slice's index in a slice's stored name. */
    public static final byte SEPARATOR = 0x01;
    /** The smallest slice allowed: below it, per-slice upstream requests and commits cost more than they save. */
    public static final long MIN_SLICE_BYTES = 256 * 1024;
    /** {@code --fill-slice}'s default: see docs/fill-slices.md for the measurement that chose it. */
    public static final long DEFAULT_SLICE_BYTES = 8L << 20;
    /** Bytes a slice key may add to its object's name: the separator and up to ten digits. */
    public static final int KEY_SUFFIX_BYTES = 11;
    /** No slicing: every object is fetched and stored whole. */
    public static final SliceLayout OFF = new SliceLayout(0);

    private final long sliceBytes;

    /** {@code sliceBytes}: S, or 0 for no slicing. */
    public SliceLayout(long sliceBytes) {
        if (sliceBytes != 0 && sliceBytes < MIN_SLICE_BYTES) {
            throw new IllegalArgumentException("a slice must be at least " + MIN_SLICE_BYTES + " bytes: " + sliceBytes);
        }
        this.sliceBytes = sliceBytes;
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
    public static String name(String object, int k) {
        return object + (char) SEPARATOR + k;
    }

    /** The slice index in a stored name; -1 for an object stored whole. */
    public static int index(String stored) {
        int at = stored.lastIndexOf(SEPARATOR);
        return at < 0 ? -1 : Integer.parseInt(stored, at + 1, stored.length(), 10);
    }

    /** The object a stored name belongs to: itself, or the object a slice is of. */
    public static String objectOf(String stored) {
        int at = stored.lastIndexOf(SEPARATOR);
        return at < 0 ? stored : stored.substring(0, at);
    }

    /**
     * Writes the key of slice {@code k} of the object named by {@code name[0, length)} into {@code scratch} (at
     * least {@code length + KEY_SUFFIX_BYTES} long) and returns its length: the core's way to look a slice up
     * without allocating.
     */
    public static int key(byte[] name, int length, int k, byte[] scratch) {
        System.arraycopy(name, 0, scratch, 0, length);
        int n = length;
        scratch[n++] = SEPARATOR;
        if (k == 0) {
            scratch[n++] = '0';
            return n;
        }
        int digits = 0;
        for (int v = k; v > 0; v /= 10) {
            digits++;
        }
        for (int i = n + digits - 1, v = k; v > 0; v /= 10, i--) {
            scratch[i] = (byte) ('0' + v % 10);
        }
        return n + digits;
    }

    /** An owned key of slice {@code k} of {@code object} (control path). */
    public static ObjectKey key(String object, int k) {
        return ObjectKey.of(name(object, k));
    }

    /** The text of a stored name as an operator reads it: a slice as "name [slice k]". */
    public static String describe(String stored) {
        int at = stored.lastIndexOf(SEPARATOR);
        return at < 0 ? stored : stored.substring(0, at) + " [slice " + stored.substring(at + 1) + "]";
    }

    @Override
    public String toString() {
        return on() ? "slices of " + sliceBytes + " bytes" : "no slices";
    }
}
