package atlas.stream;

/**
 * The exchange a response body belongs to, as the {@link ObjectTransmitter} sees it: the HTTP connection that
 * decided the head and lent its out buffer. Exactly one of the endings is called per body, and after it the
 * transmitter holds nothing of the exchange's (the out buffer is the connection's again).
 */
public interface BodyExchange {
    /** Head and body were handed to the socket completely: the exchange is over. */
    void onBodySent();

    /** No I/O buffer came free in time: nothing was sent, the head is void; the connection answers 503. */
    void onBodyRefused();

    /**
     * The object cannot be read and nothing was sent yet, so the head is void and an error can still be answered:
     * {@code status} 503 when its device failed (the object may come back with the device), 500 for a read
     * error. By default the connection closes, as for {@link #onBodyFailed}.
     */
    default void onBodyUnreadable(int status, String reason) {
        onBodyFailed();
    }

    /** The body cannot be completed (a disk read failed, the client stopped reading): the connection must close. */
    void onBodyFailed();

    /** {@code bytes} of this response (head included) were handed to the socket. */
    void countSent(long bytes);

    /**
     * True when this exchange's client holds many more connections than a player needs: when I/O buffers run out
     * it waits behind everyone else's requests, so one address flooding the server cannot take the others' memory.
     */
    default boolean yieldsBuffers() {
        return false;
    }
}
