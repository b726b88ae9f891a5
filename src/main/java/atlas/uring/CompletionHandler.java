package atlas.uring;

/**
 * Receives one completion queue entry, unpacked: no object per completion. Implementations are usually one
 * long-lived instance per event loop (a lambda capturing nothing but that loop allocates once).
 */
@FunctionalInterface
public interface CompletionHandler {
    /**
     * @param userData the SQE's user_data, verbatim
     * @param res      the result: bytes, a new fd, 0 — or {@code -errno} on failure (see {@link Errno})
     * @param flags    IORING_CQE_F_* bits (F_MORE while a multishot request stays armed, F_NOTIF, ...)
     */
    void onCompletion(long userData, int res, int flags);
}
