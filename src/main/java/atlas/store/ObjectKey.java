package atlas.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An object's name as UTF-8 bytes, usable as a hash-map key without decoding to a {@link String}.
 * <p>
 * Two flavours share this class so that a lookup never allocates: an <em>owned</em> key ({@link #copyOf})
 * whose bytes never change and which is what the index stores, and a <em>probe</em> ({@link #probe()})
 * that an event loop re-points at bytes it decoded from a request target and passes to
 * {@link Volume#lookup(ObjectKey)}. A probe must never be stored: the index only ever receives
 * owned keys.
 * <p>
 * Names are validated elsewhere ({@link ObjectNames}); this class only carries bytes.
 */
public final class ObjectKey {
    private byte[] bytes;
    private int length;
    private int hash;
    private final boolean owned;

    private ObjectKey(byte[] bytes, int length, boolean owned) {
        this.bytes = bytes;
        this.length = length;
        this.owned = owned;
        this.hash = hashOf(bytes, length);
    }

    /** An owned key holding a private copy of {@code src[0, length)}. */
    public static ObjectKey copyOf(byte[] src, int length) {
        return new ObjectKey(Arrays.copyOf(src, length), length, true);
    }

    /** An owned key of a name given as a string (control path only: allocates). */
    public static ObjectKey of(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        return new ObjectKey(b, b.length, true);
    }

    /** A reusable probe, empty until {@link #wrap} points it at bytes. One per event loop. */
    public static ObjectKey probe() {
        return new ObjectKey(new byte[0], 0, false);
    }

    /** Points this probe at {@code src[0, length)} without copying. The caller keeps owning {@code src}. */
    public ObjectKey wrap(byte[] src, int length) {
        if (owned) {
            throw new IllegalStateException("owned keys are immutable");
        }
        this.bytes = src;
        this.length = length;
        this.hash = hashOf(src, length);
        return this;
    }

    /** An owned copy of this key (for a probe, the copy the index may keep). */
    public ObjectKey toOwned() {
        return owned ? this : copyOf(bytes, length);
    }

    public int length() {
        return length;
    }

    public byte byteAt(int index) {
        return bytes[index];
    }

    /** Copies the name's bytes into {@code dst} at {@code offset}. */
    public void copyTo(byte[] dst, int offset) {
        System.arraycopy(bytes, 0, dst, offset, length);
    }

    public byte[] toBytes() {
        return Arrays.copyOf(bytes, length);
    }

    public boolean startsWith(byte[] prefix) {
        return prefix.length <= length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ObjectKey k && k.hash == hash && Arrays.equals(bytes, 0, length, k.bytes, 0, k.length);
    }

    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    private static int hashOf(byte[] b, int length) {
        int h = 1;
        for (int i = 0; i < length; i++) {
            h = 31 * h + b[i];
        }
        return h;
    }
}
