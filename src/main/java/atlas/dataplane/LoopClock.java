package atlas.dataplane;

/**
 * A core's clocks, read once per loop turn ({@link #tick}) and only looked at in between: the monotonic one for
 * deadlines and durations, the wall clock for Date headers, modification times and the access log. Aeron's duty
 * cycle does the same: a turn's work happens "at" one instant, and the clock costs one read per turn however many
 * requests the turn handles. Everything measured with it is accurate to a turn.
 * <p>
 * Thread: written by the core's loop only; read on that thread. Tests advance it with {@link #set}.
 */
public final class LoopClock {
    private long nowNs;
    private long epochMillis;

    public LoopClock() {
        tick();
    }

    /** Reads both clocks: the loop calls this once per turn, after waiting for completions. */
    public void tick() {
        nowNs = System.nanoTime();
        epochMillis = System.currentTimeMillis();
    }

    /** Sets both clocks (a test's hand on the loop). */
    public void set(long nowNs, long epochMillis) {
        this.nowNs = nowNs;
        this.epochMillis = epochMillis;
    }

    /** Monotonic nanoseconds ({@link System#nanoTime()}) at this turn's start. */
    public long nowNs() {
        return nowNs;
    }

    /** Milliseconds since the epoch at this turn's start. */
    public long epochMillis() {
        return epochMillis;
    }
}
