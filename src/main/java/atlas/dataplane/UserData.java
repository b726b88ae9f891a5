package atlas.dataplane;

/**
 * What the io_uring engine packs into a submission's 64-bit {@code user_data}, to find the owner of its
 * completion again:
 * <pre>
 *   63                 40 39                                8 7        0
 *   +--------------------+-----------------------------------+----------+
 *   | generation (24)    | id (32): connection, disk request | op (8)   |
 *   |                    | slot or listener index            |          |
 *   +--------------------+-----------------------------------+----------+
 * </pre>
 * Ids are reused (connections come and go, disk slots are recycled); the generation changes with each reuse, so a
 * completion that arrives late — after its connection closed and the id went to another — is recognised as stale
 * and dropped instead of being delivered to a stranger.
 */
final class UserData {
    static final int GENERATION_MASK = 0xff_ffff;

    private UserData() {
    }

    static long pack(int op, int id, int generation) {
        return ((long) (generation & GENERATION_MASK) << 40) | ((id & 0xffff_ffffL) << 8) | (op & 0xff);
    }

    static int op(long userData) {
        return (int) (userData & 0xff);
    }

    static int id(long userData) {
        return (int) (userData >>> 8);
    }

    static int generation(long userData) {
        return (int) (userData >>> 40) & GENERATION_MASK;
    }
}
