package atlas.tls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * An AES-GCM key (16 or 32 bytes) held in native memory so {@link AesGcm} can hand it to libcrypto without a copy.
 * One per connection direction. {@link #set} (a KeyUpdate) bumps {@link #version()}, which tells an
 * {@link AesGcm} context that its cached key schedule is stale.
 * <p>
 * Not thread-safe: owned by the connection's core. {@link #close} zeroes the key before freeing it.
 */
public final class GcmKey implements AutoCloseable {
    // Confined: made, used and closed by its connection's core thread; closing a shared arena would stall every thread.
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment storage = arena.allocate(32, 16);
    private MemorySegment segment;
    private int version;

    public GcmKey(byte[] key) {
        set(key);
    }

    /** Replaces the key (control path: a new connection or a KeyUpdate). */
    public void set(byte[] key) {
        if (key.length != 16 && key.length != 32) {
            throw new IllegalArgumentException("AES-GCM key must be 16 or 32 bytes, got " + key.length);
        }
        storage.fill((byte) 0);
        MemorySegment.copy(key, 0, storage, ValueLayout.JAVA_BYTE, 0, key.length);
        segment = storage.asSlice(0, key.length);
        version++;
    }

    /** Like {@link #set} but also wipes the caller's array. */
    public void setAndWipe(byte[] key) {
        set(key);
        Arrays.fill(key, (byte) 0);
    }

    MemorySegment segment() {
        return segment;
    }

    public int length() {
        return (int) segment.byteSize();
    }

    int version() {
        return version;
    }

    @Override
    public void close() {
        storage.fill((byte) 0);
        arena.close();
    }
}
